import Foundation
import Synchronization

/// Threads that stay alive between matrix products and wait by spinning, as llama.cpp's do: a
/// token needs a couple of hundred small parallel steps, and waking sleeping threads for each would
/// cost more than the steps. After a while without work the workers sleep, so an idle session
/// does not keep the cores busy.
public final class WorkerPool: @unchecked Sendable {
    /// What the pool and its threads share; the threads keep it alive until they exit.
    final class State: @unchecked Sendable {
        let generation = Atomic<Int>(0)
        let pending = Atomic<Int>(0)
        let stopping = Atomic<Bool>(false)
        /// `forEachChunk`'s next unclaimed index.
        let cursor = Atomic<Int>(0)
        // Written by `run` before `generation` is released, read by workers after they acquire it.
        nonisolated(unsafe) var job: (@Sendable (Int) -> Void)?
    }

    /// Threads that take part in a step, the caller included.
    public let count: Int
    private let state = State()

    /// Starts `count - 1` worker threads.
    public init(threads count: Int) {
        self.count = max(1, count)
        for index in 1..<self.count {
            let state = self.state
            let thread = Thread { Self.work(state, index) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit {
        state.stopping.store(true, ordering: .releasing)
        state.generation.add(1, ordering: .releasing)
    }

    /// Runs `body(worker)` on every thread (worker 0 is the caller) and returns when all are done.
    public func run(_ body: @escaping @Sendable (Int) -> Void) {
        guard count > 1 else { return body(0) }
        state.job = body
        state.pending.store(count - 1, ordering: .relaxed)
        state.generation.add(1, ordering: .releasing)
        body(0)
        while state.pending.load(ordering: .acquiring) > 0 {}
        state.job = nil
    }

    /// Calls `body` on contiguous chunks covering `0..<total`, in parallel. Threads claim chunks
    /// (about eight per thread) from a shared counter, so a thread that starts late or runs on a
    /// busier core does less and nobody waits long at the end of the step. `grain`: the fewest
    /// items worth a chunk (a thread of its own).
    public func forEachChunk(_ total: Int, grain: Int = 8, _ body: @escaping @Sendable (Range<Int>) -> Void) {
        let workers = max(1, min(count, total / grain))
        guard workers > 1 else { return body(0..<total) }
        let chunk = max(grain, (total + workers * 8 - 1) / (workers * 8))
        let cursor = state
        cursor.cursor.store(0, ordering: .relaxed)
        run { _ in
            while true {
                let lower = cursor.cursor.wrappingAdd(chunk, ordering: .relaxed).oldValue
                guard lower < total else { return }
                body(lower..<min(total, lower + chunk))
            }
        }
    }

    private static func work(_ state: State, _ index: Int) {
        // Generation 0 is the pool's start: a thread that starts late must still run the first step.
        var seen = 0
        while true {
            var spins = 0, pause: UInt32 = 20
            var current = state.generation.load(ordering: .acquiring)
            while current == seen {
                // Spin through the gaps between the steps of a token and between tokens (sampling,
                // a few milliseconds at most); after that the session is idle: back off to sleeps of
                // up to a millisecond.
                spins += 1
                if spins > 2_000_000 {
                    usleep(pause)
                    pause = min(pause * 2, 1000)
                }
                current = state.generation.load(ordering: .acquiring)
            }
            seen = current
            if state.stopping.load(ordering: .acquiring) { return }
            state.job?(index)
            state.pending.subtract(1, ordering: .releasing)
        }
    }
}
