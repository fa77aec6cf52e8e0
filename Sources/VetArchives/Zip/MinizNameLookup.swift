/// Reproduces how miniz — the zip reader inside PyTorch's `torch.load` (caffe2's
/// `PyTorchStreamReader`) — finds a member by name, to tell which of several same-named
/// members PyTorch would load.
///
/// `mz_zip_reader_init` heap-sorts the central-directory indices by ASCII-lower-cased name and
/// `mz_zip_reader_locate_file` (flags 0, no comment) binary-searches that order, stopping at
/// the first probe that compares equal. Heap sort is not stable, so among duplicates the
/// winner is neither reliably the first nor the last entry: it depends on the count and
/// position of every name in the archive. Comparison ignores ASCII case, so `data.pkl` and
/// `DATA.pkl` are the same member to PyTorch.
struct MinizNameLookup {
    private let names: [[UInt8]]
    private var sorted: [Int]

    /// Sorts `names` (the central-directory names, in directory order) as miniz does.
    init(names: [[UInt8]]) {
        self.names = names
        sorted = Array(names.indices)
        heapSort()
    }

    /// The directory index miniz returns for `name`, or `nil` when it reports "file not found".
    func locate(_ name: [UInt8]) -> Int? {
        var low = 0, high = sorted.count - 1
        // Binary search: the interval halves every pass.
        while low <= high {
            let middle = low + (high - low) / 2
            let index = sorted[middle]
            let comparison = MinizNameLookup.compare(names[index], name)
            if comparison == 0 { return index }
            if comparison < 0 { low = middle + 1 } else { high = middle - 1 }
        }
        return nil
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte + 0x20 : byte
    }

    /// miniz's `mz_zip_filename_compare`: case-folded bytes, then length.
    static func compare(_ left: [UInt8], _ right: [UInt8]) -> Int {
        let shared = min(left.count, right.count)
        for position in 0..<shared {
            let l = lower(left[position]), r = lower(right[position])
            if l != r { return Int(l) - Int(r) }
        }
        return left.count - right.count
    }

    /// miniz's `mz_zip_reader_filename_less`.
    private func less(_ left: Int, _ right: Int) -> Bool {
        MinizNameLookup.compare(names[left], names[right]) < 0
    }

    private mutating func siftDown(from start: Int, size: Int) {
        var root = start
        // Each pass moves `root` at least one level down a heap of `size` nodes.
        while true {
            var child = root * 2 + 1
            if child >= size { return }
            if child + 1 < size, less(sorted[child], sorted[child + 1]) { child += 1 }
            if !less(sorted[root], sorted[child]) { return }
            sorted.swapAt(root, child)
            root = child
        }
    }

    /// The heap sort of `mz_zip_reader_sort_central_dir_offsets_by_filename`, step for step.
    private mutating func heapSort() {
        let size = sorted.count
        guard size > 1 else { return }
        var start = (size - 2) >> 1
        while true {
            siftDown(from: start, size: size)
            if start == 0 { break }
            start -= 1
        }
        var end = size - 1
        while end > 0 {
            sorted.swapAt(end, 0)
            siftDown(from: 0, size: end)
            end -= 1
        }
    }
}
