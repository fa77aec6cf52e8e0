/// The unpickler's memo: a dictionary from integer keys to values.
///
/// Picklers number memo slots 0, 1, 2, …, so keys below a bound live in an array (fast GET/PUT);
/// any other key, including negative and huge ones a crafted file may use, falls back to a dictionary.
struct PickleMemo {
    private var dense: [PickleValue?] = []
    private var sparse: [Int: PickleValue] = [:]
    /// Number of distinct keys set, as `len(memo)` in CPython (MEMOIZE uses it as the next key).
    private(set) var count = 0
    /// Keys below this go to the array; growth beyond the current end is limited to doubling.
    static let denseLimit = 1 << 24

    subscript(key: Int) -> PickleValue? {
        get {
            if key >= 0 && key < dense.count, let value = dense[key] { return value }
            return sparse[key]
        }
        set {
            guard let newValue else { return }
            if key >= 0 && key < Self.denseLimit && key <= max(dense.count * 2, 1024) {
                if key == dense.count {
                    // The common case: picklers number slots in order.
                    if sparse.isEmpty || sparse.removeValue(forKey: key) == nil { count += 1 }
                    dense.append(newValue)
                    return
                }
                if key > dense.count { dense.append(contentsOf: repeatElement(nil, count: key - dense.count + 1)) }
                // A key first stored sparsely moves into the array once the array reaches it.
                if dense[key] == nil, sparse.isEmpty || sparse.removeValue(forKey: key) == nil { count += 1 }
                dense[key] = newValue
            } else {
                if sparse.updateValue(newValue, forKey: key) == nil { count += 1 }
            }
        }
    }

    mutating func removeAll() {
        dense.removeAll()
        sparse.removeAll()
        count = 0
    }
}
