extension YAMLLoader {
    /// Bounds that keep a hostile or broken document from using unbounded memory or time.
    public struct Limits: Sendable, Hashable {
        /// The largest document accepted, in bytes.
        public var maxBytes: Int
        /// The deepest nesting of lists and mappings accepted (alias expansions included).
        public var maxDepth: Int
        /// The most nodes the loaded tree may hold, counting every node an alias copies.
        public var maxNodes: Int

        public init(maxBytes: Int = 1 << 20, maxDepth: Int = 64, maxNodes: Int = 10_000) {
            self.maxBytes = maxBytes
            self.maxDepth = maxDepth
            self.maxNodes = maxNodes
        }
    }
}
