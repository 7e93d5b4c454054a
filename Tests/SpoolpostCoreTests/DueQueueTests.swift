import Foundation
import SpoolpostCore
import Testing

@Suite struct DueQueueTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    static func at(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }

    @Test func anEmptyQueueHasNothingDue() {
        var queue = DueQueue<String>()
        #expect(queue.isEmpty)
        #expect(queue.count == 0)
        #expect(queue.earliest == nil)
        #expect(queue.popDue(at: Self.at(1_000_000)).isEmpty)
    }

    @Test func popsOnlyWhatIsDueEarliestFirst() {
        var queue = DueQueue<String>()
        queue.insert("c", due: Self.at(30))
        queue.insert("a", due: Self.at(10))
        queue.insert("d", due: Self.at(40))
        queue.insert("b", due: Self.at(20))
        #expect(queue.count == 4)
        #expect(queue.earliest == Self.at(10))
        #expect(queue.popDue(at: Self.at(5)).isEmpty)
        #expect(queue.count == 4)
        let due = queue.popDue(at: Self.at(25))
        #expect(due.map(\.key) == ["a", "b"])
        #expect(due.map(\.due) == [Self.at(10), Self.at(20)])
        #expect(queue.count == 2)
        #expect(queue.earliest == Self.at(30))
        #expect(queue.popDue(at: Self.at(100)).map(\.key) == ["c", "d"])
        #expect(queue.isEmpty)
        #expect(queue.earliest == nil)
    }

    @Test func anEntryIsDueExactlyAtItsTime() {
        var queue = DueQueue<Int>()
        queue.insert(1, due: Self.at(10))
        #expect(queue.popDue(at: Self.at(9.999)).isEmpty)
        #expect(queue.popDue(at: Self.at(10)).map(\.key) == [1])
    }

    @Test func equalTimesComeOutFirstInFirstOut() {
        var queue = DueQueue<String>()
        for key in ["first", "second", "third", "fourth", "fifth"] { queue.insert(key, due: Self.at(10)) }
        queue.insert("early", due: Self.at(5))
        #expect(queue.popDue(at: Self.at(10)).map(\.key) == ["early", "first", "second", "third", "fourth", "fifth"])
    }

    @Test func aKeyMayBeQueuedMoreThanOnce() {
        // Removal is lazy: the caller skips stale entries, so the queue keeps every insertion.
        var queue = DueQueue<String>()
        queue.insert("post", due: Self.at(20))
        queue.insert("post", due: Self.at(10))
        #expect(queue.count == 2)
        #expect(queue.popDue(at: Self.at(30)).map(\.due) == [Self.at(10), Self.at(20)])
    }

    @Test func insertionsBetweenPopsKeepTheOrder() {
        var queue = DueQueue<Int>()
        queue.insert(1, due: Self.at(10))
        queue.insert(2, due: Self.at(50))
        #expect(queue.popDue(at: Self.at(10)).map(\.key) == [1])
        queue.insert(3, due: Self.at(20))
        queue.insert(4, due: Self.at(5))
        #expect(queue.earliest == Self.at(5))
        #expect(queue.popDue(at: Self.at(60)).map(\.key) == [4, 3, 2])
    }

    @Test func manyEntriesComeOutSortedByTimeThenInsertion() {
        // A fixed linear congruential sequence: the same "random" times on every run.
        var state: UInt64 = 42
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % 500
        }
        var queue = DueQueue<Int>()
        var inserted: [(due: Int, key: Int)] = []
        for key in 0..<2000 {
            let due = next()
            inserted.append((due, key))
            queue.insert(key, due: Self.at(Double(due)))
        }
        #expect(queue.count == 2000)
        let expected = inserted.sorted { $0.due < $1.due || ($0.due == $1.due && $0.key < $1.key) }
        var popped: [Int] = []
        // Pop in slices, as the engine's timer does.
        for cut in stride(from: 0, through: 500, by: 37) {
            let due = queue.popDue(at: Self.at(Double(cut)))
            #expect(due.allSatisfy { $0.due <= Self.at(Double(cut)) })
            popped += due.map(\.key)
            if let earliest = queue.earliest { #expect(earliest > Self.at(Double(cut))) }
        }
        popped += queue.popDue(at: Self.at(500)).map(\.key)
        #expect(popped == expected.map(\.key))
        #expect(queue.isEmpty)
    }
}
