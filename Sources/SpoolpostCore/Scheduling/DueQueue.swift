import Foundation

/// A min-heap of keys by due time: the engine's timer always sleeps until the earliest entry.
///
/// Removal is lazy: callers skip popped keys that are no longer waiting, so cancelling is O(1).
public struct DueQueue<Key: Hashable & Sendable>: Sendable {
    public struct Entry: Sendable {
        public var due: Date
        public var key: Key
        /// Insertion order breaks ties, so equal times come out first-in first-out.
        var sequence: UInt64
    }

    private var heap: [Entry] = []
    private var nextSequence: UInt64 = 0

    public init() {}

    public var isEmpty: Bool { heap.isEmpty }
    public var count: Int { heap.count }
    /// The earliest due time.
    public var earliest: Date? { heap.first?.due }

    public mutating func insert(_ key: Key, due: Date) {
        heap.append(Entry(due: due, key: key, sequence: nextSequence))
        nextSequence += 1
        siftUp(heap.count - 1)
    }

    /// Removes and returns every entry due at or before `now`, earliest first.
    public mutating func popDue(at now: Date) -> [Entry] {
        var due: [Entry] = []
        while let first = heap.first, first.due <= now {
            due.append(first)
            removeFirst()
        }
        return due
    }

    private mutating func removeFirst() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        if !heap.isEmpty { siftDown(0) }
    }

    private func before(_ a: Entry, _ b: Entry) -> Bool {
        a.due < b.due || (a.due == b.due && a.sequence < b.sequence)
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard before(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count && before(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count && before(heap[right], heap[smallest]) { smallest = right }
            guard smallest != parent else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
