import VetBytes
import VetFixtures
import VetCore
import VetPickle

/// EXT1/EXT2/EXT4 fetch a global from the copyreg extension registry instead of naming it.
public enum PickleExtensionRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "pickle_extension_opcode", severity: .high,
        title: "Pickle uses the extension registry",
        description: """
        EXT opcodes import whatever global the loading process registered under a numeric code with \
        `copyreg.add_extension`. The file does not say what that is, so no scanner can know what it imports; \
        normal checkpoints never use them.
        """,
        remediation: "Do not load the file unless you know which extension codes the loading process registers.",
        references: ["https://docs.python.org/3/library/copyreg.html", "PEP 307"],
        examples: [
            RuleExample("EXT1 code 1 then REDUCE", triggers: true) {
                PickleAssembler(protocolVersion: 2).op(.ext1, [1]).op(.emptyTuple).op(.reduce).stop().bytes
            },
            RuleExample("plain list of ints", triggers: false) { PickleAssembler.benignPickle() },
        ])

    static func check(_ program: PickleProgram, at location: Location, into sink: inout FindingSink) {
        for (code, offset) in program.extensions {
            sink.report(descriptor, "extension registry code \(code) imports an object the file does not name", at: location.at(offset))
        }
    }
}

/// BUILD applied to an imported class, function or module rewrites its attributes.
public enum PickleGlobalMutationRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "pickle_global_mutation", severity: .high,
        title: "Pickle changes attributes of an imported object",
        description: """
        BUILD normally sets the state of an object the pickle just created. Applied to an imported class, \
        function or module it calls `setattr` (or updates `__dict__`) on shared code instead: a pickle can \
        replace a function that later code trusts, such as a tensor rebuild helper, even when every import \
        it makes is on an allowlist.
        """,
        remediation: "Do not load this file; no checkpoint needs to modify library objects.",
        references: ["CWE-502", "CWE-915"],
        examples: [
            RuleExample("BUILD with a state dict on torch._utils._rebuild_tensor", triggers: true) {
                PickleAssembler(protocolVersion: 2).global("torch._utils", "_rebuild_tensor").op(.emptyDict)
                    .unicode("__code__").op(.none).op(.setItem).op(.build).stop().bytes
            },
            RuleExample("BUILD on a freshly created OrderedDict", triggers: false) {
                PickleAssembler(protocolVersion: 2).global("collections", "OrderedDict").op(.emptyTuple).op(.reduce)
                    .op(.emptyDict).op(.build).stop().bytes
            },
        ])

    static func check(_ program: PickleProgram, at location: Location, into sink: inout FindingSink) {
        for call in program.calls where call.mutatesImport {
            let name = call.importIndex.map { program.imports[$0].qualifiedName } ?? "an imported object"
            sink.report(descriptor, "BUILD sets attributes on \(name)", at: location.at(call.offset))
        }
    }
}

/// A pickle stream that a loader would reject part-way, or whose structure is inconsistent.
public enum PickleMalformedRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "pickle_malformed", severity: .medium,
        title: "Pickle stream is malformed",
        description: """
        The stream is cut off, contains a byte that is not an opcode, pops more than it pushed, reads memo \
        slots it never wrote, breaks its frames or declares the wrong protocol. Loaders execute opcodes as \
        they read them, so everything before the break still runs: attackers append a broken tail after a \
        payload to make scanners that give up on errors report nothing. Findings before this point still apply.
        """,
        remediation: "Treat the file as untrusted; a well-formed export from the original framework has none of these.",
        references: ["https://github.com/python/cpython/blob/main/Lib/pickletools.py"],
        examples: [
            RuleExample("payload followed by a truncated BINUNICODE", triggers: true) {
                PickleAssembler(protocolVersion: 4).call("os", "system", ["echo modelvet-example"]).op(.binUnicode, [0xFF, 0xFF, 0, 0]).bytes
            },
            RuleExample("well-formed dict", triggers: false) { PickleAssembler.benignPickle() },
        ])
}

/// Patterns that exhaust memory or time when loaded (or scanned).
public enum PickleResourceLimitRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "pickle_resource_exhaustion", severity: .high,
        title: "Pickle exceeds a resource limit",
        description: """
        The stream declares an operand or frame larger than the file, or would build more opcodes, stack, \
        memo entries or shared-reference expansion than any real checkpoint, or it calls an allow-listed \
        constructor with arguments that make loading it hang or exhaust memory (`fractions.Fraction('1e999999999')`, \
        `bytearray(2**38)`, `list(range(10**10))`, huge NumPy or torch shapes, punycode codecs, huge seeds). \
        Such files crash or stall loaders and scanners (denial of service) and are used to hide a payload behind \
        work a scanner gives up on.
        """,
        remediation: "Do not load the file; if it is genuinely huge and trusted, raise the limit deliberately.",
        references: ["CWE-400", "CWE-776"],
        examples: [
            RuleExample("BINBYTES8 claiming 2^40 bytes", triggers: true) {
                PickleAssembler(protocolVersion: 4).op(.binBytes8, [0, 0, 0, 0, 0, 1, 0, 0]).stop().bytes
            },
            RuleExample("fractions.Fraction('1e999999999'): an allow-listed constructor that computes 10**999999999", triggers: true) {
                PickleAssembler(protocolVersion: 2).call("fractions", "Fraction", ["1e999999999"]).stop().bytes
            },
            RuleExample("builtins.bytearray(2**38)", triggers: true) {
                PickleAssembler(protocolVersion: 2).global("builtins", "bytearray").long(1 << 38).op(.tuple1).op(.reduce).stop().bytes
            },
            RuleExample("builtins.list(builtins.range(10**10))", triggers: true) {
                PickleAssembler(protocolVersion: 2).global("builtins", "list")
                    .global("builtins", "range").long(10_000_000_000).op(.tuple1).op(.reduce).op(.tuple1).op(.reduce).stop().bytes
            },
            RuleExample("an LSTM module whose state declares 10**9 layers", triggers: true) {
                PickleAssembler(protocolVersion: 2).global("torch.nn.modules.rnn", "LSTM").op(.emptyTuple).op(.newObj)
                    .op(.emptyDict).unicode("num_layers").long(1_000_000_000).op(.setItem).op(.build).stop().bytes
            },
            RuleExample("fractions.Fraction('3/4') and list(range(10))", triggers: false) {
                PickleAssembler(protocolVersion: 2).call("fractions", "Fraction", ["3/4"]).op(.pop)
                    .global("builtins", "list").global("builtins", "range").int(10).op(.tuple1).op(.reduce).op(.tuple1).op(.reduce)
                    .stop().bytes
            },
            RuleExample("small bytes operand", triggers: false) {
                PickleAssembler(protocolVersion: 4).binBytes([1, 2, 3]).stop().bytes
            },
        ])
}

/// Bytes in a pickle stream that no pickle, storage record or array explains.
public enum PickleUnaccountedDataRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "pickle_unaccounted_data", severity: .medium,
        title: "Pickle file holds bytes no loader reads",
        description: """
        After the last STOP (or between pickles) the file carries bytes that are neither another pickle nor \
        the raw storage or array records a PyTorch or joblib loader reads. Such regions are where second-stage \
        payloads and polyglots hide; every pickle header inside them is analysed too.
        """,
        remediation: "Re-export the file with its original framework; legitimate files account for every byte.",
        references: ["CWE-506"],
        examples: [
            RuleExample("junk after STOP", triggers: true) { PickleAssembler.benignPickle() + Array("JUNK!!".utf8) },
            RuleExample("two stacked pickles", triggers: false) { PickleAssembler.benignPickle() + PickleAssembler.benignPickle() },
        ])

    static func check(_ stream: PickleStream, at location: Location, into sink: inout FindingSink) {
        for range in stream.unaccounted {
            sink.report(descriptor, "\(range.count) byte(s) at 0x\(String(range.lowerBound, radix: 16)) are not part of any pickle",
                        at: location.at(range.lowerBound))
        }
    }
}

/// A pickle hidden inside a bytes or str operand of another pickle.
public enum PickleEmbeddedPickleRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "pickle_embedded_pickle", severity: .low,
        title: "Pickle carries another pickle in an operand",
        description: """
        A bytes or str constant of this pickle is itself a complete pickle that imports something, raw or \
        encoded as base64 or hex text. It runs only if something decodes it and calls `pickle.loads` on it (a \
        dormant second stage), but nesting is a common way to hide a payload from scanners that read only the \
        outer stream. Its imports are analysed and reported; dangerous ones as high rather than critical and \
        unknown ones as low rather than medium, \
        since loading the outer file alone does not run them.
        """,
        remediation: "Check why the file stores a serialized object inside another.",
        references: ["CWE-502"],
        examples: [
            RuleExample("bytes operand holding a pickle that imports collections.OrderedDict", triggers: true) {
                PickleAssembler(protocolVersion: 4).binBytes(PickleAssembler.callPickle("collections", "OrderedDict", [])).stop().bytes
            },
            RuleExample("str operand holding a base64-encoded pickle", triggers: true) {
                let inner = PickleAssembler.callPickle("collections", "OrderedDict", [])
                return PickleAssembler(protocolVersion: 4).unicode(Base64.encode(inner)).stop().bytes
            },
            RuleExample("str operand holding a hex-encoded pickle", triggers: true) {
                let inner = PickleAssembler.callPickle("collections", "OrderedDict", [])
                return PickleAssembler(protocolVersion: 4).unicode(Hex.encode(inner)).stop().bytes
            },
            RuleExample("str operand holding base64 of text", triggers: false) {
                PickleAssembler(protocolVersion: 4).unicode(Base64.encode(Array("weights and biases, nothing else".utf8))).stop().bytes
            },
            RuleExample("bytes operand holding text", triggers: false) {
                PickleAssembler(protocolVersion: 4).binBytes(Array("weights and biases".utf8)).stop().bytes
            },
        ])

    static func check(_ stream: PickleStream, at location: Location, into sink: inout FindingSink) {
        for program in stream.programs {
            for embedded in program.embeddedPickles {
                let what = embedded.encoding.map { "a \($0) string that decodes to a pickle of \(embedded.bytes.count) bytes" }
                    ?? "an operand of \(embedded.bytes.count) bytes is itself a pickle"
                sink.report(descriptor, what, at: location.at(embedded.offset))
            }
        }
    }
}
