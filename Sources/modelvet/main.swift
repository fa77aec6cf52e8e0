import VetCommands

#if os(Linux)
// glibc's mallopt (malloc.h is not part of the Glibc module). A scan allocates and frees many
// short-lived buffers per file; with glibc's defaults the heap is trimmed and grown again
// hundreds of times per thousand files.
@_silgen_name("mallopt") func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
let mallocTrimThreshold: Int32 = -1, mallocTopPad: Int32 = -2
_ = mallopt(mallocTrimThreshold, 32 << 20)
_ = mallopt(mallocTopPad, 4 << 20)
#endif

ModelVetCommand.runMain()
