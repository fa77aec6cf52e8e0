import VetCore
import VetPickle

/// Calls to allow-listed callables whose cost on load depends on their arguments.
///
/// "Safe" on the allowlist means the callable runs no code chosen by the file; it does not mean
/// the call is cheap. `fractions.Fraction('1e999999999')` computes `10**999999999` (hours of CPU),
/// `bytearray(2**38)` allocates 256 GiB and `list(range(10**10))` never finishes. The limits
/// below sit far above anything a real checkpoint pickles (which stores data, not recipes) and
/// far below what stalls a loader. The same checks apply when the class is instantiated through
/// NEWOBJ or copyreg's helpers, which run the same constructors.
enum PickleCallCost {
    /// Largest decimal exponent of a `Fraction` or `Decimal` string that is converted to an exact
    /// integer (Python's own `int()` digit limit).
    static let maxExponent = 4300
    /// Largest integer, in bits, handed to a conversion whose cost grows faster than linearly.
    static let maxBigIntBits = 14_300
    /// Largest allocation a single constructor may request, in bytes or elements.
    static let maxAllocation = 1 << 30
    /// Longest `range` materialised by a container constructor.
    static let maxRange = 1 << 24

    static let containers: Set<String> = [
        "builtins.list", "builtins.tuple", "builtins.set", "builtins.frozenset", "builtins.dict", "builtins.bytes",
        "builtins.bytearray", "collections.deque", "collections.Counter", "collections.OrderedDict", "collections.defaultdict",
        "torch.Size", "torch.Tensor", "torch._tensor.Tensor",
    ]
    static let seededGenerators: Set<String> = [
        "numpy.random._mt19937.MT19937", "numpy.random._pcg64.PCG64", "numpy.random._pcg64.PCG64DXSM",
        "numpy.random._philox.Philox", "numpy.random._sfc64.SFC64", "numpy.random.bit_generator.SeedSequence",
    ]
    static let arrayConstructors: Set<String> = [
        "numpy.ndarray", "numpy.recarray", "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
        "numpy.ma.core._mareconstruct",
    ]

    /// Reports every call whose arguments make it too expensive to load.
    static func check(_ program: PickleProgram, at location: Location, into sink: inout FindingSink) {
        // Names are worked out once per import, not once per call: a checkpoint makes thousands of
        // calls to a handful of imports, almost all of which no check below concerns.
        let names = program.imports.map { $0.isResolved ? canonical($0.qualifiedName) : nil }
        let makesRanges = names.contains { $0 == "builtins.range" || $0 == "builtins.xrange" }
        let concerned = names.map { name in name.map { makesRanges || mayCost($0) } ?? false }
        for call in program.calls where call.opcode != .build {
            guard let index = call.importIndex, concerned[index], var name = names[index] else { continue }
            var arguments = items(call.argumentValue, in: program)
            // copyreg's helpers instantiate their first argument with the remaining ones.
            switch name {
            case "copyreg.__newobj__", "copy_reg.__newobj__":
                guard let target = arguments.first.flatMap({ importedName($0, in: program) }) else { break }
                (name, arguments) = (target, Array(arguments.dropFirst()))
            case "copyreg.__newobj_ex__":
                guard let target = arguments.first.flatMap({ importedName($0, in: program) }) else { break }
                (name, arguments) = (target, arguments.count > 1 ? items(arguments[1], in: program) : [])
            case "copyreg._reconstructor", "copy_reg._reconstructor":
                guard arguments.count > 1, let base = importedName(arguments[1], in: program) else { break }
                (name, arguments) = (base, Array(arguments.dropFirst(2)))
            default: break
            }
            if let problem = cost(of: name, arguments, in: program) {
                sink.report(PickleResourceLimitRule.descriptor, "calling \(name) \(problem)", at: location.at(call.offset),
                            evidence: program.imports[index].callSite ?? program.imports[index].disassembly)
            }
        }
    }

    /// Whether a call to `name` can be too expensive other than through a `range` argument: the
    /// callables `cost(of:)` examines, and copyreg's helpers, which call another class.
    static func mayCost(_ name: String) -> Bool {
        switch name {
        case "fractions.Fraction", "decimal.Decimal", "builtins.int", "builtins.float", "numpy.int64", "numpy.float64",
             "builtins.bytes", "builtins.bytearray", "builtins.str", "_codecs.encode", "codecs.encode",
             "copyreg.__newobj__", "copy_reg.__newobj__", "copyreg.__newobj_ex__", "copyreg._reconstructor",
             "copy_reg._reconstructor":
            true
        default:
            seededGenerators.contains(name) || arrayConstructors.contains(name)
                || (name.hasPrefix("torch.") && (name.hasSuffix("Storage") || name.hasSuffix("Tensor")))
        }
    }

    /// Why calling `name` with `arguments` is too expensive, or nil.
    static func cost(of name: String, _ arguments: [PickleValue], in program: PickleProgram) -> String? {
        let heap = program.heap
        if let huge = arguments.lazy.compactMap({ rangeLength($0, in: program) }).first(where: { $0 > maxRange }),
           containers.contains(name) || name.hasPrefix("numpy.") || name.hasPrefix("torch.") {
            return "with a range of \(huge) elements, which it materialises"
        }
        switch name {
        case "fractions.Fraction", "decimal.Decimal", "builtins.int", "builtins.float", "numpy.int64", "numpy.float64":
            for argument in arguments {
                if let exponent = hugeExponent(argument, in: program) {
                    return "with a number whose exponent is \(exponent): converting it computes an integer of that many digits"
                }
                if name != "builtins.float", let bits = heap.bigIntBytes(argument).map({ $0.count * 8 }), bits > maxBigIntBits {
                    return "with a \(bits)-bit integer, whose conversion takes time quadratic in its size"
                }
            }
        case "builtins.bytes", "builtins.bytearray":
            if let size = arguments.first.flatMap(heap.int), size > maxAllocation {
                return "with size \(size): it allocates and zeroes that many bytes"
            }
            if arguments.first.flatMap(heap.bigIntBytes) != nil { return "with a size beyond 64 bits" }
            if let problem = encoding(arguments.dropFirst().first, in: program) { return problem }
        case "builtins.str", "_codecs.encode", "codecs.encode":
            if let problem = encoding(arguments.dropFirst().first, in: program) { return problem }
        case _ where seededGenerators.contains(name):
            if let bits = arguments.first.flatMap(heap.bigIntBytes).map({ $0.count * 8 }), bits > 1024 {
                return "with a \(bits)-bit seed, which it expands in time quadratic in its size"
            }
        case _ where arrayConstructors.contains(name):
            let shape = name.hasSuffix("ndarray") || name.hasSuffix("recarray") ? arguments.first : arguments.dropFirst().first
            if let elements = shape.flatMap({ elementCount($0, in: program) }), elements > maxAllocation {
                return "with a shape of \(elements) elements, which it allocates"
            }
        case _ where name.hasPrefix("torch.") && (name.hasSuffix("Storage") || name.hasSuffix("Tensor")):
            let sizes = arguments.compactMap(heap.int)
            if sizes.count == arguments.count, !sizes.isEmpty, let elements = product(sizes), elements > maxAllocation {
                return "with sizes \(sizes): it allocates \(elements) elements"
            }
            if arguments.contains(where: { heap.bigIntBytes($0) != nil }) { return "with a size beyond 64 bits" }
        default: break
        }
        return nil
    }

    /// The decimal exponent of a numeric string (or of a `Decimal`/`Fraction` made from one) when
    /// it exceeds `maxExponent`; `Int.max` stands for one too long to parse.
    static func hugeExponent(_ value: PickleValue, in program: PickleProgram) -> Int? {
        if let record = program.heap.object(value), let callee = importedName(record.callee, in: program),
           ["decimal.Decimal", "fractions.Fraction"].contains(callee) {
            return items(record.arguments, in: program).lazy.compactMap { hugeExponent($0, in: program) }.first
        }
        guard let text = program.heap.string(value)?.lowercased(), let e = text.lastIndex(where: { $0 == "e" }) else { return nil }
        var digits = text[text.index(after: e)...].trimmingPrefix { $0 == "+" || $0 == "-" }
        digits = digits.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty else { return nil }
        let exponent = Int(digits) ?? Int.max
        return exponent > maxExponent ? exponent : nil
    }

    /// An encoding whose codec is quadratic in its input: punycode, and idna, which uses it
    /// (pickle protocols 0-2 themselves only ask for latin1).
    static func encoding(_ value: PickleValue?, in program: PickleProgram) -> String? {
        guard let value, let name = program.heap.string(value)?.lowercased(), name.contains("puny") || name.contains("idna") else {
            return nil
        }
        return "with encoding `\(name)`, whose codec takes time quadratic in its input"
    }

    /// The length of `builtins.range(...)` when the value is one.
    static func rangeLength(_ value: PickleValue, in program: PickleProgram) -> Int? {
        guard let record = program.heap.object(value), let callee = importedName(record.callee, in: program),
              ["builtins.range", "builtins.xrange"].contains(callee) else { return nil }
        let bounds = items(record.arguments, in: program)
        if bounds.contains(where: { program.heap.bigIntBytes($0) != nil }) { return Int.max }
        let numbers = bounds.compactMap(program.heap.int)
        guard numbers.count == bounds.count else { return nil }
        let (start, stop, step) = switch numbers.count {
        case 1: (0, numbers[0], 1)
        case 2: (numbers[0], numbers[1], 1)
        case 3: (numbers[0], numbers[1], numbers[2])
        default: (0, 0, 1)
        }
        guard step != 0 else { return nil }
        let span = step > 0 ? stop.subtractingReportingOverflow(start) : start.subtractingReportingOverflow(stop)
        if span.overflow { return Int.max }
        return span.partialValue <= 0 ? 0 : span.partialValue / Swift.abs(step == Int.min ? Int.max : step)
    }

    /// The element count of a shape (an int or a tuple/list of ints).
    static func elementCount(_ value: PickleValue, in program: PickleProgram) -> Int? {
        if let single = program.heap.int(value) { return single }
        if program.heap.bigIntBytes(value) != nil { return Int.max }
        let dims = items(value, in: program)
        guard !dims.isEmpty else { return nil }
        if dims.contains(where: { program.heap.bigIntBytes($0) != nil }) { return Int.max }
        let sizes = dims.compactMap(program.heap.int)
        return sizes.count == dims.count ? product(sizes) : nil
    }

    static func product(_ sizes: [Int]) -> Int? {
        var total = 1
        for size in sizes where size >= 0 {
            let (next, overflow) = total.multipliedReportingOverflow(by: size)
            total = overflow ? Int.max : next
        }
        return total
    }

    /// The items of a tuple or list value (empty for anything else).
    static func items(_ value: PickleValue, in program: PickleProgram) -> [PickleValue] {
        if let tuple = program.heap.tupleItems(value) { return Array(tuple) }
        if case .list = value { return program.heap.containerItems(value) ?? [] }
        return []
    }

    /// The canonical dotted name of an imported value.
    static func importedName(_ value: PickleValue, in program: PickleProgram) -> String? {
        guard case let .global(index) = value, program.imports.indices.contains(index), program.imports[index].isResolved else {
            return nil
        }
        return canonical(program.imports[index].qualifiedName)
    }

    /// Python 2 spellings that protocol 0-2 pickles use for the same objects.
    static func canonical(_ name: String) -> String {
        name.hasPrefix("__builtin__.") ? "builtins." + name.dropFirst("__builtin__.".count) : name
    }
}
