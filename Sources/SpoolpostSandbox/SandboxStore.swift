import Foundation
import Synchronization

/// Everything the sandbox's simulated networks accepted, shared by all simulators, in arrival order.
///
/// Also the sandbox's idempotency memory: a repeated `Idempotency-Key` for the same network and account
/// resolves to the post stored the first time.
public final class SandboxStore: Sendable {
    /// Whether `record` stored a new post or found the one an earlier request with the same key stored.
    public enum RecordOutcome: Sendable, Equatable {
        case stored(SandboxReceivedPost)
        case repeated(SandboxReceivedPost)
        /// The key was used before with a different body; nothing stored.
        case keyReusedWithDifferentBody(SandboxReceivedPost)
    }

    private struct IdempotencyScope: Hashable {
        var network: String
        var account: String
        var key: String
    }

    private struct State {
        var posts: [SandboxReceivedPost] = []
        var indexByID: [String: Int] = [:]
        var nextNumberByPrefix: [String: Int] = [:]
        var indexByIdempotencyKey: [IdempotencyScope: Int] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Number of posts stored.
    public var count: Int { state.withLock { $0.posts.count } }

    /// All posts, oldest first.
    public var all: [SandboxReceivedPost] { state.withLock { $0.posts } }

    /// The post with this sandbox id.
    public func post(id: String) -> SandboxReceivedPost? {
        state.withLock { state in state.indexByID[id].map { state.posts[$0] } }
    }

    /// Posts received by one network, oldest first.
    public func posts(network: String) -> [SandboxReceivedPost] {
        state.withLock { $0.posts.filter { $0.network == network } }
    }

    /// Stores a post under a fresh id `<idPrefix>_<6-digit number>`, unless `post.idempotencyKey` was already seen
    /// for the same network and account. The `id` of `post` is ignored.
    public func record(_ post: SandboxReceivedPost, idPrefix: String) -> RecordOutcome {
        state.withLock { state in
            let scope = post.idempotencyKey.map {
                IdempotencyScope(network: post.network, account: post.account, key: $0)
            }
            if let scope, let index = state.indexByIdempotencyKey[scope] {
                let earlier = state.posts[index]
                return earlier.body == post.body ? .repeated(earlier) : .keyReusedWithDifferentBody(earlier)
            }
            let number = state.nextNumberByPrefix[idPrefix, default: 1]
            state.nextNumberByPrefix[idPrefix] = number + 1
            var stored = post
            stored.id = idPrefix + "_" + Self.zeroPadded(number, width: 6)
            let index = state.posts.count
            state.posts.append(stored)
            state.indexByID[stored.id] = index
            if let scope { state.indexByIdempotencyKey[scope] = index }
            return .stored(stored)
        }
    }

    /// Changes a stored post in place (what a network sets after the post, such as a thumbnail); false when no
    /// post has this id. The id, network and account stay as they were.
    @discardableResult
    public func update(id: String, _ change: (inout SandboxReceivedPost) -> Void) -> Bool {
        state.withLock { state in
            guard let index = state.indexByID[id] else { return false }
            var post = state.posts[index]
            change(&post)
            post.id = state.posts[index].id
            post.network = state.posts[index].network
            post.account = state.posts[index].account
            state.posts[index] = post
            return true
        }
    }

    /// Forgets every post and idempotency key (ids keep counting up, so old links never point at new posts).
    public func removeAll() {
        state.withLock { state in
            state.posts = []
            state.indexByID = [:]
            state.indexByIdempotencyKey = [:]
        }
    }

    private static func zeroPadded(_ number: Int, width: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
