import Foundation

/// A bounded first-in first-out queue of batches between one producing and one consuming thread.
///
/// The producer blocks while `capacity` batches wait, so memory stays flat however large the file.
/// Either side may stop the other: the consumer by `cancel()` (the producer's next `put` returns
/// false), the producer by `close()` (the consumer's `take` returns nil once the queue is drained).
final class Handoff<Batch: Sendable>: @unchecked Sendable {
    // @unchecked: every stored property is read and written only while `condition` is locked.
    private let condition = NSCondition()
    private var batches: [Batch] = []
    private var head = 0
    private var closed = false
    private var cancelled = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Queues a batch, waiting while the queue is full. Returns false when the consumer has cancelled.
    func put(_ batch: Batch) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while batches.count - head >= capacity, !cancelled { condition.wait() }
        if cancelled { return false }
        batches.append(batch)
        condition.broadcast()
        return true
    }

    /// The next batch, waiting for one; nil when the producer has closed and every batch was taken.
    func take() -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while head == batches.count, !closed { condition.wait() }
        if head == batches.count { return nil }
        let batch = batches[head]
        head += 1
        if head == batches.count {
            batches.removeAll(keepingCapacity: true)
            head = 0
        }
        condition.broadcast()
        return batch
    }

    /// Said by the producer after its last batch.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Said by the consumer when it wants no more batches.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
