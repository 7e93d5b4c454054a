/// Test payloads of any size, made at memory-copy speed.
///
/// In a debug build, `(0..<n).map { ... }` over megabytes keeps a thread of the cooperative pool busy for
/// seconds; with two such fixtures at once the pool's two threads are gone and every other test in the process
/// stalls (seen: 30 s, and the engine tests' waits ran out). Here a block of at most 65,521 bytes (a prime, so
/// chunk boundaries fall at different offsets of it) is generated and repeated.
public enum TestBytes {
    /// Deterministic bytes from `seed`.
    public static func pattern(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
        let block = generated(min(count, 65_521), seed: seed)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count {
            bytes.append(contentsOf: block.prefix(count - bytes.count))
        }
        return bytes
    }

    /// Bytes from a random seed.
    public static func random(_ count: Int) -> [UInt8] {
        pattern(count, seed: UInt64.random(in: 1...UInt64.max))
    }

    /// A linear congruential generator's high bits: cheap, and no two seeds give the same stream.
    private static func generated(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
    }
}
