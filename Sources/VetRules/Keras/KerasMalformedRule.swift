import VetFixtures
import VetCore

/// A Keras model config cannot be read.
public enum KerasMalformedRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "keras_malformed", severity: .medium,
        title: "Keras model config is unreadable",
        description: """
        A `.keras` archive without a readable `config.json`, or a legacy `.h5` whose `model_config` or \
        `training_config` is not a JSON object, cannot be checked for Lambda layers and custom objects. \
        Keras rejects some of these files; others are crafted so that a scanner's parser and Keras' parser \
        disagree.
        """,
        remediation: "Treat the model as unscanned; obtain an intact copy from the publisher.",
        references: ["https://keras.io/guides/serialization_and_saving/", "CWE-20"],
        examples: [
            RuleExample("config.json that is not JSON", fileName: "model.keras", triggers: true) {
                KerasExample.archive(configJSON: #"{"module": "keras", "class_name": "Sequential", "config": {"#)
            },
            RuleExample("a model_config attribute that is not JSON", fileName: "model.h5", triggers: true) {
                HDF5Builder().attribute("model_config", string: "{not json").bytes()
            },
            RuleExample("a valid archive", fileName: "model.keras", triggers: false) {
                KerasExample.archive(layers: [KerasExample.denseLayer])
            },
        ])
}

/// An HDF5 file's structure is broken.
public enum HDF5MalformedRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "hdf5_malformed", severity: .medium,
        title: "HDF5 structure is malformed",
        description: """
        The superblock, an object header, a continuation chain, an attribute or a group index points outside \
        the file, loops, or has an impossible version or size. The HDF5 library is native code, and broken \
        structures are how its parser bugs are reached; the file also cannot be checked for a `model_config`.
        """,
        remediation: "Do not open the file with HDF5 tools or Keras; obtain an intact copy.",
        references: ["https://docs.hdfgroup.org/hdf5/develop/_f_m_t3.html", "CWE-20"],
        examples: [
            RuleExample("an object header whose continuation loops", fileName: "model.h5", triggers: true) {
                HDF5Builder().attribute("backend", string: "tensorflow").loopingContinuation().bytes()
            },
            RuleExample("a truncated file", fileName: "model.h5", triggers: true) {
                Array(HDF5Builder().attribute("backend", string: "tensorflow").bytes().prefix(120))
            },
            RuleExample("a well-formed file", fileName: "model.h5", triggers: false) {
                KerasExample.legacyH5(layers: [KerasExample.denseLayer])
            },
        ])
}
