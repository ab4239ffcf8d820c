import Foundation

/// A fuzz target: one input, any bytes. It must not crash; a broken invariant is a `precondition` failure.
public typealias FuzzTarget = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: FuzzTarget
) -> Int32
#endif

/// Runs the target under libFuzzer (a `-DFUZZING` build linked with libFuzzer's no-main runtime),
/// else over the files named on the command line: how saved inputs are replayed.
public func fuzzMain(_ target: FuzzTarget) -> Never {
    #if FUZZING
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, target))
    #else
    for path in CommandLine.arguments.dropFirst() {
        guard let data = FileManager.default.contents(atPath: path) else {
            FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
            exit(2)
        }
        _ = Array(data).withUnsafeBufferPointer { target($0.baseAddress, $0.count) }
        print("ok \(path)")
    }
    exit(0)
    #endif
}

/// The bytes of one fuzz input.
public func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}
