import VetFixtures
import VetCore

/// A pickle imports a callable or module that can run code, touch files, the network or processes.
public enum PickleDangerousImportRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "pickle_dangerous_import", severity: .critical,
        title: "Pickle imports a dangerous callable",
        description: """
        Loading a pickle imports every global it names and calls whatever REDUCE, NEWOBJ, OBJ, INST or \
        BUILD point at. This pickle imports a module or callable on the denylist: code execution (eval, exec, \
        compile), dynamic imports and name resolvers (importlib, pkgutil.resolve_name, pydoc.locate), attribute \
        getters (getattr, operator.attrgetter), processes (os, subprocess, pty), files, sockets, debuggers, \
        package installers, native code (ctypes) or nested deserialisers (pickle, marshal, torch.load). The check \
        covers every dotted component, so reaching `sys` through `numpy.core._internal.sys` is caught too.
        """,
        remediation: """
        Do not load this file. If you must use the weights, obtain them in a format that cannot run code \
        (safetensors, GGUF) from a trusted publisher, or ask the publisher to re-export them.
        """,
        references: ["CWE-502", "https://docs.python.org/3/library/pickle.html#restricting-globals"],
        examples: [
            RuleExample("os.system through STACK_GLOBAL and REDUCE", triggers: true) {
                PickleAssembler.callPickle("os", "system", ["echo modelvet-example"])
            },
            RuleExample("sys reached by attribute traversal from numpy", triggers: true) {
                PickleAssembler(protocolVersion: 4).stackGlobal("numpy", "core._internal.sys").stop().bytes
            },
            RuleExample("Python 2 name of subprocess via GLOBAL", triggers: true) {
                PickleAssembler(protocolVersion: 2).global("commands", "getoutput").op(.mark).unicode("id").op(.tuple).op(.reduce).stop().bytes
            },
            RuleExample("collections.OrderedDict, an allowed container", triggers: false) {
                PickleAssembler(protocolVersion: 4).call("collections", "OrderedDict", []).stop().bytes
            },
        ])
}

/// A pickle import walks through a `__dunder__` attribute.
public enum PickleAttributeTraversalRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "pickle_attribute_traversal", severity: .critical,
        title: "Pickle import walks through a dunder attribute",
        description: """
        Since protocol 4 the unpickler resolves a dotted name attribute by attribute. A name such as \
        `OrderedDict.__init__.__globals__` starts from an allowed object and walks through interpreter internals \
        to reach anything the module can see (its globals, builtins, the import machinery). No legitimate \
        checkpoint needs such a path; it exists to slip past allowlists that compare only the first component.
        """,
        remediation: "Do not load this file; the import is built to evade scanners.",
        references: ["CWE-502", "https://docs.python.org/3/library/pickle.html#pickling-class-instances"],
        examples: [
            RuleExample("collections + OrderedDict.__init__.__globals__", triggers: true) {
                PickleAssembler(protocolVersion: 4).stackGlobal("collections", "OrderedDict.__init__.__globals__").stop().bytes
            },
            RuleExample("plain collections.OrderedDict", triggers: false) {
                PickleAssembler(protocolVersion: 4).stackGlobal("collections", "OrderedDict").stop().bytes
            },
        ])
}

/// A pickle import whose module or name is computed rather than a constant.
public enum PickleUnresolvedImportRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "pickle_unresolved_import", severity: .critical,
        title: "Pickle import cannot be resolved statically",
        description: """
        STACK_GLOBAL takes its module and name from the stack. Here at least one of them is not a constant \
        string this scanner can trace (it comes from a call result, an unset memo slot or another computed \
        value), so what the file imports is only known when it runs. A scanner that cannot name the import \
        must not call the file safe.
        """,
        remediation: "Do not load this file; treat it as malicious until its origin is verified.",
        references: ["CWE-502"],
        examples: [
            RuleExample("STACK_GLOBAL operands from a memo slot that was never written", triggers: true) {
                PickleAssembler(protocolVersion: 4).get(7).unicode("system").op(.stackGlobal).stop().bytes
            },
            RuleExample("STACK_GLOBAL operands memoized then fetched", triggers: false) {
                PickleAssembler(protocolVersion: 4).unicode("collections").put(0).op(.pop).get(0)
                    .unicode("OrderedDict").op(.stackGlobal).stop().bytes
            },
        ])
}

/// A pickle imports something neither allowed nor denied.
public enum PickleUnknownImportRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "pickle_unknown_import", severity: .medium,
        title: "Pickle imports a global that is not on the allowlist",
        description: """
        Importing a module runs its top-level code, and calling an arbitrary class or function can do \
        anything that code allows. This import is not one that plain weight checkpoints need and is not \
        known to be dangerous either: whole pickled models (`torch.save(model)`), scikit-learn estimators and \
        custom classes land here. Check that the named module is one you trust and have installed. In a \
        pickle stored inside another one that the outer pickle never unpickles (a dormant second stage) the \
        finding is low: nothing imports the name unless something loads the inner pickle later.
        """,
        remediation: """
        Prefer a weights-only format. If the import is expected (your own classes, a library you trust), \
        allow it with a `--policy` file entry and a reason.
        """,
        references: ["CWE-502"],
        examples: [
            RuleExample("a scikit-learn estimator class", triggers: true) {
                PickleAssembler(protocolVersion: 4).stackGlobal("sklearn.linear_model._logistic", "LogisticRegression")
                    .op(.emptyTuple).op(.newObj).stop().bytes
            },
            RuleExample("a torch.nn module class called with arguments, which runs __init__ and allocates weights",
                        triggers: true) {
                PickleAssembler(protocolVersion: 2).global("torch.nn.modules.linear", "Linear")
                    .int(100_000).int(100_000).op(.tuple2).op(.reduce).stop().bytes
            },
            RuleExample("torch rebuild function", triggers: false) {
                PickleAssembler(protocolVersion: 2).global("torch._utils", "_rebuild_tensor_v2").stop().bytes
            },
            RuleExample("a torch.nn module as torch.save pickles it: NEWOBJ without arguments, then BUILD", triggers: false) {
                PickleAssembler(protocolVersion: 2).global("torch.nn.modules.activation", "ReLU").op(.emptyTuple).op(.newObj)
                    .op(.emptyDict).unicode("inplace").op(.newFalse).op(.setItem).op(.build).stop().bytes
            },
        ])
}
