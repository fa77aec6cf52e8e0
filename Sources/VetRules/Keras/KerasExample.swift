import VetBytes
import VetFixtures

/// Small `.keras` archives and legacy `.h5` files for rule examples and tests.
public enum KerasExample {
    /// Base64 of a CPython 3.11 marshalled lambda that would run `echo modelvet-fixture` (never run here).
    public static let lambdaCode = """
    4wEAAAAAAAAAAAAAAAMAAAADAAAA80oAAACXAHQBAAAAAAAAAAAAAGQBpgEAAKsBAAAAAAAAAACgAQAAAAAAAAAAAAAAAAAAAAAAAAAAZAKmAQAAqwEAAAAAAAAAAHABfABTACkDTtoCb3N6FWVjaG8gbW9kZWx2ZXQtZml4dHVyZSkC2gpfX2ltcG9ydF9f2gZzeXN0ZW0pAdoBeHMBAAAAIPoJPGV4YW1wbGU++gg8bGFtYmRhPnIHAAAAAQAAAHMiAAAAgACNKpBU0Qoa1Aoa1woh0goh0CI50Qo61Ao60Ao/uGGAAPMAAAAA
    """

    /// A Keras 3 Dense layer.
    public static let denseLayer = dense(activation: #""relu""#)

    /// A Keras 3 Dense layer whose `activation` is the given JSON.
    public static func dense(activation: String) -> String {
        #"{"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 2, "activation": "#
            + activation + #", "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": null}, "registered_name": null}}, "registered_name": null}"#
    }

    /// A Keras 3 Lambda layer with inline code.
    public static let lambdaLayerV3 = #"{"module": "keras.layers", "class_name": "Lambda", "config": {"name": "lambda", "function": {"class_name": "__lambda__", "config": {"code": ""#
        + lambdaCode + #"", "defaults": null, "closure": null}}, "arguments": {}}, "registered_name": null}"#

    /// A Keras 2 Lambda layer, as tf.keras writes it into `model_config`.
    public static let lambdaLayerV2 = #"{"class_name": "Lambda", "config": {"name": "lambda", "function": [""#
        + lambdaCode + #"", null, null], "function_type": "lambda", "module": "__main__", "output_shape": null, "arguments": {}}}"#

    /// A Keras 3 Lambda layer calling `module.function` by reference.
    public static func functionLambda(module: String, function: String) -> String {
        #"{"module": "keras.layers", "class_name": "Lambda", "config": {"name": "call", "function": {"module": ""#
            + module + #"", "class_name": "function", "config": ""# + function
            + #"", "registered_name": "function"}, "arguments": {}}, "registered_name": null}"#
    }

    /// A Keras 3 `TorchModuleWrapper` layer whose `module` is `payload` in base64.
    public static func torchModule(_ payload: [UInt8]) -> String {
        #"{"module": "keras.layers", "class_name": "TorchModuleWrapper", "config": {"name": "torch_module", "module": ""#
            + Base64.encode(payload) + #""}, "registered_name": "keras.src.utils.torch_utils>TorchModuleWrapper"}"#
    }

    /// A Sequential model config holding `layers` (JSON texts).
    public static func sequential(layers: [String]) -> String {
        #"{"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "layers": ["#
            + layers.joined(separator: ", ") + #"]}, "registered_name": null}"#
    }

    /// A `.keras` archive of a Sequential model holding `layers`.
    public static func archive(layers: [String]) -> [UInt8] { archive(configJSON: sequential(layers: layers)) }

    /// A `.keras` archive whose `config.json` is `configJSON`.
    public static func archive(configJSON: String) -> [UInt8] {
        ZipBuilder().stored("metadata.json", text: #"{"keras_version": "3.8.0", "date_saved": "2026-01-01@00:00:00"}"#)
            .deflated("config.json", Array(configJSON.utf8))
            .stored("model.weights.h5", HDF5Builder().bytes()).bytes()
    }

    /// A legacy `.h5` model whose `model_config` is a Sequential model holding `layers`.
    public static func legacyH5(layers: [String]) -> [UInt8] {
        HDF5Builder().attribute("keras_version", string: "2.12.0").attribute("backend", string: "tensorflow")
            .attribute("model_config", string: sequential(layers: layers)).bytes()
    }
}
