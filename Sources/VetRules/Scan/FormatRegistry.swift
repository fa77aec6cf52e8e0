import VetCore

/// Every format ModelVet reads. Adding a format is adding its plug-in here (see
/// docs/architecture.md); the order is only the order in which readings are reported.
public enum FormatRegistry {
    /// The registered readers.
    public static let all: [any FormatPlugin] = [
        PickleFormat(),
        ZipFormat(),
        TarFormat(),
        CompressedStreamFormat(.gzip),
        CompressedStreamFormat(.zlib),
        CompressedStreamFormat(.xz),
        CompressedStreamFormat(.lzma),
        CompressedStreamFormat(.bzip2),
        NumpyFormat(),
        SafeTensorsFormat(),
        GGUFFormat(),
        ONNXFormat(),
        TensorFlowFormat(),
        TFLiteFormat(),
        SentencePieceFormat(),
        HDF5Format(),
        JSONConfigFormat(),
        YAMLConfigFormat(),
        PythonSourceFormat(),
        JinjaTemplateFormat(),
    ] + UnopenableFormat.all + [
        PlainTextFormat(),
        UnknownContentFormat(),
    ]
}
