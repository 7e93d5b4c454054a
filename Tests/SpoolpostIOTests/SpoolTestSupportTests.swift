import Foundation
import Glibc
import SpoolpostIO
import Synchronization
import Testing

/// A fresh folder under the temporary directory, removed by `remove()`.
struct SpoolScratchFolder {
    let path: String

    init(_ label: String = "spool") {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("spoolpost-\(label)-\(UUID().uuidString)").path
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Polls `condition` until it holds or `seconds` pass; returns whether it held.
func spoolEventually(within seconds: Double = 30, _ condition: @Sendable () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// Writes a file directly (not through the spool), for setting up test cases.
func spoolWritePlainFile(_ path: String, _ text: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

func spoolReadPlainFile(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
}

func spoolBytes(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite struct SpoolTestSupportTests {
    @Test func eventuallyReportsAConditionThatNeverHolds() async {
        #expect(await spoolEventually(within: 0.1) { false } == false)
        #expect(await spoolEventually(within: 0.1) { true })
    }
}
