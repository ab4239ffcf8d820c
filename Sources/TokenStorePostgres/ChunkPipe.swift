import Foundation
import PostgresNIO

/// Hands COPY data from the validating thread to the task writing it to PostgreSQL, a bounded
/// number of chunks at a time: the thread blocks when `capacity` chunks wait, the task awaits
/// the next one. Either side can fail it, and the other side then stops.
///
/// The file rules run synchronously (they call their handlers), the driver's COPY writer is async:
/// this pipe lets both run at once (reading and sealing on one core, the socket on the other).
final class ChunkPipe: @unchecked Sendable {
    // @unchecked: `failed` is read and written under `lock`; the stream and semaphore are thread-safe.
    private let room: DispatchSemaphore
    private let capacity: Int
    private let lock = NSLock()
    private var failed = false
    let chunks: AsyncThrowingStream<ByteBuffer, Error>
    private let continuation: AsyncThrowingStream<ByteBuffer, Error>.Continuation

    struct Abandoned: Error {}

    init(capacity: Int = 8) {
        self.capacity = capacity
        room = DispatchSemaphore(value: capacity)
        (chunks, continuation) = AsyncThrowingStream.makeStream(of: ByteBuffer.self, throwing: Error.self)
    }

    /// The producer: waits for room, then hands `chunk` over. Throws once the consumer gave up.
    func send(_ chunk: ByteBuffer) throws {
        room.wait()
        if lock.withLock({ failed }) { throw Abandoned() }
        continuation.yield(chunk)
    }

    /// The consumer took a chunk: room for one more.
    func taken() { room.signal() }

    /// The producer is done (or failed with `error`).
    func finish(throwing error: Error? = nil) {
        continuation.finish(throwing: error)
    }

    /// The consumer gives up: a producer waiting for room is woken and stops.
    func abandon() {
        lock.withLock { failed = true }
        for _ in 0..<capacity { room.signal() }
    }
}
