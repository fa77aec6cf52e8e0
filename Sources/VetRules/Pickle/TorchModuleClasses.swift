import VetCore
import VetPickle

/// The standard `torch.nn` module classes, which `torch.save(model)` pickles for a whole model.
///
/// Unpickling one runs `object.__new__` (NEWOBJ with no arguments) and `Module.__setstate__`
/// (BUILD), which only stores attributes; none reads or writes files (torch 1.13 and 2.15 read).
/// Calling a class with arguments runs `__init__`, which allocates and initialises weights
/// (`Linear(100000, 100000)` is 40 GB): that is not how torch pickles modules, so it stays an
/// unknown import. Lazy modules (they swap their class after the first forward through a
/// `getattr` hook) and hook helpers are not on the list.
enum TorchModuleClasses {
    /// Classes by their file under `torch.nn.modules`.
    static let byFile: [String: [String]] = [
        "activation": ["CELU", "ELU", "GELU", "GLU", "Hardshrink", "Hardsigmoid", "Hardswish", "Hardtanh", "LeakyReLU",
            "LogSigmoid", "LogSoftmax", "Mish", "MultiheadAttention", "PReLU", "RReLU", "ReLU", "ReLU6", "SELU",
            "SiLU", "Sigmoid", "Softmax", "Softmax2d", "Softmin", "Softplus", "Softshrink", "Softsign", "Tanh",
            "Tanhshrink", "Threshold"],
        "adaptive": ["AdaptiveLogSoftmaxWithLoss"],
        "batchnorm": ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm", "_BatchNorm", "_NormBase"],
        "channelshuffle": ["ChannelShuffle"],
        "container": ["Container", "ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential"],
        "conv": ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "_ConvNd",
            "_ConvTransposeMixin", "_ConvTransposeNd"],
        "distance": ["CosineSimilarity", "PairwiseDistance"],
        "dropout": ["AlphaDropout", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "FeatureAlphaDropout",
            "_DropoutNd"],
        "flatten": ["Flatten", "Unflatten"],
        "fold": ["Fold", "Unfold"],
        "instancenorm": ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "_InstanceNorm"],
        "linear": ["Bilinear", "Identity", "Linear", "NonDynamicallyQuantizableLinear"],
        "loss": ["BCELoss", "BCEWithLogitsLoss", "CTCLoss", "CosineEmbeddingLoss", "CrossEntropyLoss",
            "GaussianNLLLoss", "HingeEmbeddingLoss", "HuberLoss", "KLDivLoss", "L1Loss", "LinearCrossEntropyLoss",
            "MSELoss", "MarginRankingLoss", "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss", "MultiMarginLoss",
            "NLLLoss", "NLLLoss2d", "PoissonNLLLoss", "SmoothL1Loss", "SoftMarginLoss", "TripletMarginLoss",
            "TripletMarginWithDistanceLoss", "_Loss", "_WeightedLoss"],
        "module": ["Module"],
        "normalization": ["CrossMapLRN2d", "GroupNorm", "LayerNorm", "LocalResponseNorm", "RMSNorm"],
        "padding": ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
            "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
            "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "_CircularPadNd",
            "_ConstantPadNd", "_ReflectionPadNd", "_ReplicationPadNd"],
        "pixelshuffle": ["PixelShuffle", "PixelUnshuffle"],
        "pooling": ["AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveAvgPool3d", "AdaptiveMaxPool1d",
            "AdaptiveMaxPool2d", "AdaptiveMaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d", "FractionalMaxPool2d",
            "FractionalMaxPool3d", "LPPool1d", "LPPool2d", "LPPool3d", "MaxPool1d", "MaxPool2d", "MaxPool3d",
            "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "_AdaptiveAvgPoolNd", "_AdaptiveMaxPoolNd", "_AvgPoolNd",
            "_LPPoolNd", "_MaxPoolNd", "_MaxUnpoolNd"],
        "rnn": ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNBase", "RNNCell", "RNNCellBase"],
        "sparse": ["Embedding", "EmbeddingBag"],
        "transformer": ["Transformer", "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
            "TransformerEncoderLayer"],
        "upsampling": ["Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d"],
    ]

    /// Every class, as `torch.nn.modules.<file>.<Class>`.
    static let all: Set<String> = Set(byFile.flatMap { file, classes in classes.map { "torch.nn.modules.\(file).\($0)" } })

    /// Functions `torch.save` pickles as plain references (a transformer layer's activation); they
    /// are safe as long as the pickle never calls them.
    static let references: Set<String> = ["torch.nn.functional.relu", "torch.nn.functional.gelu"]

    /// Largest `num_layers` a recurrent module's state may declare: `RNNBase.__setstate__` loops
    /// over the layers, so a huge count stalls the load.
    static let maxRecurrentLayers = 1024

    /// The verdict for an import of a module class or activation, when it is one: safe while
    /// every use is an instantiation without arguments (or no call at all, for references).
    static func verdict(for index: Int, in program: PickleProgram) -> ImportVerdict? {
        let imported = program.imports[index]
        guard imported.isResolved else { return nil }
        let name = imported.qualifiedName
        let isClass = all.contains(name)
        guard isClass || references.contains(name) else { return nil }
        let called = program.calls.contains { $0.importIndex == index && $0.opcode != .build }
        return (isClass ? onlyInstantiated(index, in: program) : !called) ? .safe : .unknown
    }

    /// Whether every use of import `index` is NEWOBJ with an empty argument tuple (`object.__new__`,
    /// no `__init__`) or BUILD, which is how pickle rebuilds an ordinary instance.
    static func onlyInstantiated(_ index: Int, in program: PickleProgram) -> Bool {
        program.calls.allSatisfy { call in
            call.importIndex != index || call.opcode == .build
                || ((call.opcode == .newObj || call.opcode == .newObjEx)
                    && program.heap.tupleItems(call.argumentValue)?.isEmpty ?? false)
        }
    }

    /// Reports recurrent modules whose state declares more layers than the limit.
    static func checkStates(_ program: PickleProgram, at location: Location, into sink: inout FindingSink) {
        for call in program.calls where call.opcode == .build {
            guard let index = call.importIndex, program.imports[index].isResolved,
                  program.imports[index].module == "torch.nn.modules.rnn",
                  let layers = program.heap.dictValue(call.argumentValue, key: "num_layers") else { continue }
            let excessive = program.heap.int(layers).map { $0 > maxRecurrentLayers } ?? (program.heap.bigIntBytes(layers) != nil)
            guard excessive else { continue }
            sink.report(PickleResourceLimitRule.descriptor,
                        "\(program.imports[index].qualifiedName) state declares \(program.heap.summary(layers)) layers; its __setstate__ loops over every one when loaded",
                        at: location.at(call.offset))
        }
    }
}
