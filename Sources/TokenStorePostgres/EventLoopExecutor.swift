import NIOCore

/// Runs a task's jobs on one NIO event loop: the loop of the connection a statement goes to.
///
/// Why: postgres-nio reads the server's answer on the connection's event loop and resumes the
/// waiting task from there; on Swift's global pool that is a wake-up and a hop to another thread
/// for every statement, and a batch leader makes several in a row. With this executor preferred
/// (`DedicatedConnection.run`), the task goes on where the answer was read. Only the statement's
/// own work runs here (sending, decoding rows), never anything that blocks.
final class EventLoopExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
