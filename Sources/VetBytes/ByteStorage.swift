#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns a contiguous, immutable region of bytes: a read-only memory map of a file or a heap copy.
///
/// The region is never written after creation, so sharing it between tasks is safe.
public final class ByteStorage: @unchecked Sendable {
    /// The first byte of the region; `nil` only when the region is empty.
    let base: UnsafeRawPointer?
    /// The number of bytes in the region.
    let count: Int
    /// Whether the region is a read-only file map (whose pages can be dropped and re-read at will).
    let isFileMap: Bool
    private let release: @Sendable (UnsafeRawPointer?, Int) -> Void

    init(base: UnsafeRawPointer?, count: Int, isFileMap: Bool = false,
         release: @escaping @Sendable (UnsafeRawPointer?, Int) -> Void) {
        self.base = base
        self.count = count
        self.isFileMap = isFileMap
        self.release = release
    }

    /// Copies `bytes` into a new heap region.
    convenience init<C: Collection>(copying bytes: C) where C.Element == UInt8 {
        let n = bytes.count
        guard n > 0 else {
            self.init(base: nil, count: 0, release: { _, _ in })
            return
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: n, alignment: 16)
        _ = buffer.initializeMemory(as: UInt8.self, from: bytes)
        self.init(base: UnsafeRawPointer(buffer.baseAddress), count: n, release: { pointer, _ in
            pointer.map { UnsafeMutableRawPointer(mutating: $0).deallocate() }
        })
    }

    /// Files up to this size are read into the heap rather than mapped.
    static let smallFileLimit = 256 * 1024

    /// Maps the file at `path` read-only (small files are read instead); empty files get an empty region.
    /// - Throws: `ByteError.io` when the file cannot be opened, inspected or mapped.
    static func map(path: String) throws -> ByteStorage {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ByteError.io(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ByteError.io(path: path, reason: String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw ByteError.io(path: path, reason: "not a regular file") }
        guard let size = Int(exactly: info.st_size), size > 0 else {
            return ByteStorage(base: nil, count: 0, release: { _, _ in })
        }
        // Small files are read: open, read, close costs less than mapping, faulting the pages in
        // and unmapping, and most files in a model folder are small (configs, tokenizers, pickles).
        if size <= smallFileLimit {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
            var filled = 0
            while filled < size {
                let n = read(fd, buffer.baseAddress! + filled, size - filled)
                if n > 0 { filled += n; continue }
                if n < 0 && errno == EINTR { continue }
                let reason = n < 0 ? String(cString: strerror(errno)) : "file shrank while being read"
                buffer.deallocate()
                throw ByteError.io(path: path, reason: reason)
            }
            return ByteStorage(base: UnsafeRawPointer(buffer.baseAddress), count: size, release: { pointer, _ in
                pointer.map { UnsafeMutableRawPointer(mutating: $0).deallocate() }
            })
        }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw ByteError.io(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        // Scans touch headers and a few bytes per tensor, not whole files: without this hint the
        // kernel reads ahead around every touched page and resident memory grows with file size.
        _ = madvise(mapped, size, Int32(MADV_RANDOM))
        return ByteStorage(base: UnsafeRawPointer(mapped), count: size, isFileMap: true, release: { pointer, length in
            if let pointer { munmap(UnsafeMutableRawPointer(mutating: pointer), length) }
        })
    }

    deinit { release(base, count) }
}
