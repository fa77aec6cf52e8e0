extension TOMLParser {
    /// Creates (or, for `[[x]]`, appends) the table a header names.
    static func open(_ root: inout TOMLTable, path: [String], appending: Bool, line: Int) throws(TOMLError) {
        guard let head = path.first else { return }
        let rest = Array(path.dropFirst())
        switch root[head] {
        case nil:
            if rest.isEmpty {
                root.replace(head, appending ? .array([.table(TOMLTable())]) : .table(TOMLTable()))
            } else {
                var child = TOMLTable()
                try open(&child, path: rest, appending: appending, line: line)
                root.replace(head, .table(child))
            }
        case .table(var child)?:
            guard !rest.isEmpty else { throw TOMLError(message: "table [\(head)] is defined twice", line: line) }
            try open(&child, path: rest, appending: appending, line: line)
            root.replace(head, .table(child))
        case .array(var items)?:
            if rest.isEmpty {
                guard appending else { throw TOMLError(message: "\(head) is an array of tables", line: line) }
                items.append(.table(TOMLTable()))
            } else {
                guard case .table(var last)? = items.last else { throw TOMLError(message: "\(head) is not a table", line: line) }
                try open(&last, path: rest, appending: appending, line: line)
                items[items.count - 1] = .table(last)
            }
            root.replace(head, .array(items))
        default:
            throw TOMLError(message: "\(head) is already a value", line: line)
        }
    }

    /// Assigns `keys = value` inside the table at `path` (the last element of an array of tables).
    static func assign(_ root: inout TOMLTable, path: [String], keys: [String], value: TOMLValue, line: Int) throws(TOMLError) {
        if let head = path.first {
            let rest = Array(path.dropFirst())
            switch root[head] {
            case .table(var child)?:
                try assign(&child, path: rest, keys: keys, value: value, line: line)
                root.replace(head, .table(child))
            case .array(var items)?:
                guard case .table(var last)? = items.last else { throw TOMLError(message: "\(head) is not a table", line: line) }
                try assign(&last, path: rest, keys: keys, value: value, line: line)
                items[items.count - 1] = .table(last)
                root.replace(head, .array(items))
            default:
                throw TOMLError(message: "table \(head) is missing", line: line)
            }
            return
        }
        guard let key = keys.first else { return }
        if keys.count == 1 {
            do { try root.set(key, value) } catch { throw TOMLError(message: error.message, line: line) }
            return
        }
        var child: TOMLTable
        switch root[key] {
        case nil: child = TOMLTable()
        case .table(let existing)?: child = existing
        default: throw TOMLError(message: "\(key) is already a value", line: line)
        }
        try assign(&child, path: [], keys: Array(keys.dropFirst()), value: value, line: line)
        root.replace(key, .table(child))
    }
}
