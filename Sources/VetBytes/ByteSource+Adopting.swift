extension ByteSource {
    /// Creates a view over the first `count` bytes of a heap buffer without copying it; the view
    /// takes ownership and frees the buffer when the last view of it goes away.
    ///
    /// Decompressors fill such a buffer directly, so a large inflated member is not held twice.
    /// - Parameters:
    ///   - buffer: Memory from `UnsafeMutableRawBufferPointer.allocate(byteCount:alignment:)`, whose
    ///     first `count` bytes are initialised; the caller must not use it afterwards.
    ///   - count: How many leading bytes the view exposes; clamped to the buffer's size.
    public init(adopting buffer: UnsafeMutableRawBufferPointer, count: Int) {
        let exposed = min(max(count, 0), buffer.count)
        let storage = ByteStorage(base: buffer.baseAddress.map { UnsafeRawPointer($0) }, count: exposed,
                                  release: { pointer, _ in
                                      pointer.map { UnsafeMutableRawPointer(mutating: $0).deallocate() }
                                  })
        self.init(storage: storage, start: 0, count: exposed)
    }
}
