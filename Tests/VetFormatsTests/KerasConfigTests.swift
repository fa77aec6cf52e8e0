import Testing
import VetBytes
import VetCore
import VetFormats

@Suite("Keras configs")
struct KerasConfigTests {
    func archive(_ name: String) throws -> KerasModelFile {
        let zip = try ZipArchive.parse(try KerasFixtures.source(name), limits: ScanLimits())
        #expect(KerasArchive.isKerasArchive(zip, name: name))
        var budget = DecompressionBudget(limits: ScanLimits())
        return KerasArchive.read(zip, budget: &budget, limits: ScanLimits())
    }

    @Test("a Keras 3 archive: every object, its layers, version and weight members")
    func sequentialArchive() throws {
        let model = try archive("sequential.keras")
        #expect(model.layout == .kerasArchive && model.problems.isEmpty)
        #expect(model.kerasVersion == "3.8.0")
        #expect(model.weightMembers == ["model.weights.h5"])
        let analysis = try #require(model.configs.first?.analysis)
        #expect(analysis.layers.map(\.className) == ["InputLayer", "Dense", "Dense"])
        #expect(analysis.objects.contains { $0.className == "GlorotUniform" && $0.module == "keras.initializers" })
        #expect(analysis.objects.contains { $0.className == "Adam" && $0.path == "compile_config.optimizer" })
        #expect(analysis.lambdas.isEmpty)
    }

    @Test("Lambda code in Keras 3 and Keras 2 forms is found and recognised as a code object")
    func lambdas() throws {
        let v3 = try #require(try archive("lambda.keras").configs.first?.analysis.lambdas.first)
        #expect(v3.layerName == "lambda")
        #expect(v3.code?.isCodeObject == true)
        #expect(v3.code?.strings.contains("system") == true)
        let file = try HDF5File.open(try KerasFixtures.source("legacy_lambda.h5"))
        let legacy = KerasHDF5.read(file)
        #expect(legacy.layout == .legacyModel)
        #expect(legacy.configs.map(\.name) == ["model_config", "training_config"])
        let v2 = try #require(legacy.configs.first?.analysis.lambdas.first)
        #expect(v2.path == "config.layers[1].config.function")
        #expect(v2.code?.isCodeObject == true && v2.code?.strings.contains("echo modelvet-fixture") == true)
    }

    @Test("files saved by Keras 3 itself: layers of nested models and the Lambda in both formats")
    func realKeras() throws {
        let archived = try archive("real_lambda.keras")
        let analysis = try #require(archived.configs.first?.analysis)
        #expect(analysis.layers.map(\.className) == ["InputLayer", "Sequential", "InputLayer", "Dense", "Lambda"])
        #expect(analysis.lambdas.map(\.layerName) == ["double"])
        #expect(analysis.lambdas.first?.code?.isCodeObject == true)
        #expect(archived.weightMembers == ["model.weights.h5"] && archived.kerasVersion?.hasPrefix("3.") == true)
        let legacy = KerasHDF5.read(try HDF5File.open(try KerasFixtures.source("real_lambda.h5")))
        #expect(legacy.layout == .legacyModel && legacy.problems.isEmpty)
        #expect(legacy.configs.first?.analysis.lambdas.first?.code?.isCodeObject == true)
        let plain = KerasHDF5.read(try HDF5File.open(try KerasFixtures.source("real_sequential.h5")))
        #expect(plain.configs.first?.analysis.layers.map(\.className) == ["InputLayer", "Dense", "Dense"])
        #expect(plain.kerasVersion?.hasPrefix("3.") == true)
    }

    @Test("nested models, wrappers and function references are all walked")
    func nesting() throws {
        let json = try JSONParser.parse("""
        {"class_name": "Functional", "config": {"layers": [
          {"class_name": "TimeDistributed", "config": {"layer": {"class_name": "Bidirectional", "config": {
            "layer": {"class_name": "LSTM", "config": {"name": "lstm"}}}}}},
          {"class_name": "Sequential", "config": {"layers": [
            {"class_name": "Lambda", "config": {"name": "named", "function": "relu", "function_type": "function", "module": "os"}},
            {"module": "keras.layers", "class_name": "Lambda", "config": {"name": "ref", "function":
              {"module": "keras.utils", "class_name": "function", "config": "get_file"}}}]}}]}}
        """)
        let analysis = KerasConfig.analyse(json: json)
        #expect(analysis.objects.map(\.className) == ["Functional", "TimeDistributed", "Bidirectional", "LSTM", "Sequential",
                                                     "Lambda", "Lambda", "function"])
        #expect(analysis.objects.first { $0.className == "LSTM" }?.path == "config.layers[0].config.layer.config.layer")
        #expect(analysis.lambdas.map(\.functionReference) == ["os.relu", "keras.utils.get_file"])
        #expect(KerasConfig.analyse(json: json, maxObjects: 3).truncated)
    }

    @Test("base64 that is not a code object, and text that is not base64")
    func marshal() {
        #expect(KerasMarshalledCode(base64: "aGVsbG8=").isCodeObject == false)
        #expect(KerasMarshalledCode(base64: "aGVsbG8=").isBase64)
        #expect(KerasMarshalledCode(base64: "not base64!").isBase64 == false)
        #expect(KerasMarshalledCode(base64: "").isBase64 == false)
    }

    @Test("unreadable configs are problems, not crashes")
    func broken() throws {
        let model = try archive("broken_config.keras")
        #expect(model.problems.map(\.kind) == [.malformedConfig])
        #expect(model.weightMembers == ["model.weights.h5"])
        var bytes = try KerasFixtures.source("dense_attributes.h5").prefixBytes(length: 1 << 20)
        let index = try #require(ByteSource(bytes).firstIndex(of: Array("BTHD".utf8)))
        bytes[index + 12] = 2 // a name index deeper than this reader follows
        let dense = KerasHDF5.read(try HDF5File.open(ByteSource(bytes)))
        #expect(dense.problems.map(\.kind) == [.unsupportedHDF5])
        let weights = KerasHDF5.read(try HDF5File.open(try KerasFixtures.source("weights_only.h5")))
        #expect(weights.layout == .hdf5Weights && weights.problems.isEmpty && weights.kerasVersion == "2.12.0")
    }
}
