import VetPickle

/// Helpers that are safe only when the callables they are handed are safe: they call one of their
/// arguments. Each entry lists the argument positions that must be allowlisted imports or plain
/// constants; anything else makes the import an unknown one.
///
/// - `torch._tensor._rebuild_from_type_v2(func, new_type, args, state)` calls `func(*args)`.
/// - `copyreg._reconstructor(cls, base, state)` calls `base.__new__(cls)` and `base.__init__`.
/// - `copyreg.__newobj__(cls, *args)` / `__newobj_ex__(cls, args, kwargs)` call `cls.__new__`.
/// - NumPy's random-state constructors call the bit-generator constructor they are given.
enum ForwardingGlobals {
    static let entries: [String: [Int]] = [
        "torch._tensor._rebuild_from_type_v2": [0, 1],
        "copyreg._reconstructor": [0, 1],
        "copy_reg._reconstructor": [0, 1],
        "copyreg.__newobj__": [0],
        "copyreg.__newobj_ex__": [0],
        "numpy.random._pickle.__randomstate_ctor": [0, 1],
        "numpy.random._pickle.__generator_ctor": [0, 1],
        "numpy.random._pickle.__bit_generator_ctor": [0],
    ]

    /// The verdict for import `index` of `program` when it is a forwarding helper, else `nil`.
    static func verdict(for index: Int, in program: PickleProgram, policy: ImportPolicy, depth: Int = 0) -> ImportVerdict? {
        let imported = program.imports[index]
        // Helpers handed to helpers are followed a few levels; a longer (or circular) chain is not trusted.
        guard depth < 4 else { return entries[imported.qualifiedName] == nil ? nil : .unknown }
        guard imported.isResolved, let positions = entries[imported.qualifiedName] else { return nil }
        for call in program.calls where call.importIndex == index && call.opcode != .build {
            for position in positions {
                switch program.argument(position, of: call) {
                case .constant: continue
                case let .imported(argument):
                    // An argument that is itself a forwarding helper is judged by its own calls.
                    let inner = verdict(for: argument, in: program, policy: policy, depth: depth + 1) ?? policy.classify(program.imports[argument])
                    if inner != .safe { return .unknown }
                case .other: return .unknown
                }
            }
            // Positions beyond the tuple (missing arguments) take the helper's defaults, which are safe.
        }
        return .safe
    }
}
