import CYAML
import SpoolpostCore

/// Turns libyaml events into a ``YAMLNode`` tree, enforcing the loader's rules and limits as it goes.
struct YAMLTreeBuilder {
    /// A node together with what an alias to it would cost.
    private struct Built {
        var node: YAMLNode
        /// Nodes in the subtree, the node itself included.
        var size: Int
        /// Nesting levels of lists and mappings in the subtree (0 for a scalar).
        var height: Int
    }

    /// A list or mapping whose end event has not arrived yet.
    private struct OpenCollection {
        var isMapping: Bool
        var mark: SourceMark
        var anchor: String?
        var items: [YAMLNode] = []
        var pairs: [(key: YAMLNode, value: YAMLNode)] = []
        var pendingKey: YAMLNode?
        /// First occurrence of each key, for the duplicate-key error.
        var keyMarks: [String: SourceMark] = [:]
        var size = 1
        var childHeight = 0
    }

    private let limits: YAMLLoader.Limits
    private var stack: [OpenCollection] = []
    private var anchors: [String: Built] = [:]
    private var nodeCount = 0
    private var documentCount = 0
    private var root: Built?

    init(limits: YAMLLoader.Limits) {
        self.limits = limits
    }

    /// The document's root, or nil for an empty stream or a document with no content.
    var result: YAMLNode? {
        guard let root else { return nil }
        if case .scalar(let text) = root.node.kind, text.isEmpty, !root.node.isQuoted { return nil }
        return root.node
    }

    mutating func handle(_ event: yaml_event_t) throws(YAMLLoadError) {
        let mark = SourceMark(event.start_mark)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documentCount += 1
            if documentCount > 1 {
                throw YAMLLoadError(
                    "a second YAML document starts here; put one document per file", at: mark)
            }
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            let tag = try Self.checkedTag(scalar.tag, at: mark)
            let style = scalar.style
            let isString = style == YAML_SINGLE_QUOTED_SCALAR_STYLE || style == YAML_DOUBLE_QUOTED_SCALAR_STYLE
                || style == YAML_LITERAL_SCALAR_STYLE || style == YAML_FOLDED_SCALAR_STYLE
                || tag == "tag:yaml.org,2002:str" || tag == "!"
            try countNodes(1, at: mark, viaAlias: false)
            let built = Built(node: YAMLNode(.scalar(text), mark: mark, isQuoted: isString), size: 1, height: 0)
            if let anchor = Self.string(scalar.anchor) { anchors[anchor] = built }
            try add(built)
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            let isMapping = event.type == YAML_MAPPING_START_EVENT
            let tag = isMapping ? event.data.mapping_start.tag : event.data.sequence_start.tag
            let anchor = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
            _ = try Self.checkedTag(tag, at: mark)
            if let parent = stack.last, parent.isMapping, parent.pendingKey == nil {
                throw YAMLLoadError("a mapping key must be text, not \(isMapping ? "a mapping" : "a list")",
                                    at: mark)
            }
            guard stack.count < limits.maxDepth else {
                throw YAMLLoadError("lists and mappings are nested more than \(limits.maxDepth) levels deep", at: mark)
            }
            try countNodes(1, at: mark, viaAlias: false)
            stack.append(OpenCollection(isMapping: isMapping, mark: mark, anchor: Self.string(anchor)))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let open = stack.popLast() else { return }
            let kind: YAMLNode.Kind = open.isMapping ? .mapping(open.pairs) : .sequence(open.items)
            // libyaml always supplies a value (an empty scalar) for a key without one, so no key is pending here.
            let built = Built(node: YAMLNode(kind, mark: open.mark), size: open.size, height: open.childHeight + 1)
            if let anchor = open.anchor { anchors[anchor] = built }
            try add(built)
        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor) ?? ""
            guard let target = anchors[name] else {
                throw YAMLLoadError("the alias *\(name) refers to no earlier anchor &\(name)", at: mark)
            }
            guard stack.count + target.height <= limits.maxDepth else {
                throw YAMLLoadError(
                    "the alias *\(name) nests lists and mappings more than \(limits.maxDepth) levels deep", at: mark)
            }
            try countNodes(target.size, at: mark, viaAlias: true)
            var copy = target
            copy.node.mark = mark
            try add(copy)
        default:
            break
        }
    }

    private mutating func countNodes(_ count: Int, at mark: SourceMark, viaAlias: Bool) throws(YAMLLoadError) {
        nodeCount += count
        guard nodeCount > limits.maxNodes else { return }
        if viaAlias {
            throw YAMLLoadError(
                "aliases expand the document to more than \(limits.maxNodes) nodes (stopped at the alias on "
                    + "line \(mark.line)); repeat less through aliases", at: mark)
        }
        throw YAMLLoadError("the document has more than \(limits.maxNodes) nodes", at: mark)
    }

    /// Attaches a finished node to the open collection, or makes it the root.
    private mutating func add(_ built: Built) throws(YAMLLoadError) {
        guard var parent = stack.popLast() else {
            root = built
            return
        }
        defer { stack.append(parent) }
        parent.size += built.size
        parent.childHeight = max(parent.childHeight, built.height)
        guard parent.isMapping else {
            parent.items.append(built.node)
            return
        }
        guard let key = parent.pendingKey else {
            guard let keyText = built.node.scalar else {
                throw YAMLLoadError("a mapping key must be text, not \(built.node.kindDescription)",
                                    at: built.node.mark)
            }
            if let first = parent.keyMarks[keyText] {
                throw YAMLLoadError(
                    "the key '\(keyText)' appears twice in this mapping (first on line \(first.line))",
                    at: built.node.mark)
            }
            parent.keyMarks[keyText] = built.node.mark
            parent.pendingKey = built.node
            return
        }
        parent.pairs.append((key: key, value: built.node))
        parent.pendingKey = nil
    }

    /// Accepts no tag, the non-specific `!`, and YAML's core schema tags; returns the tag text.
    private static func checkedTag(_ tag: UnsafeMutablePointer<yaml_char_t>?, at mark: SourceMark)
        throws(YAMLLoadError) -> String?
    {
        guard let tag = string(tag) else { return nil }
        let core: Set<String> = ["str", "int", "float", "bool", "null", "seq", "map"].reduce(into: ["!"]) {
            $0.insert("tag:yaml.org,2002:" + $1)
        }
        guard core.contains(tag) else {
            let shown = tag.hasPrefix("tag:yaml.org,2002:") ? "!!" + tag.dropFirst(18) : tag
            throw YAMLLoadError("the tag \(shown) is not supported; remove it", at: mark)
        }
        return tag
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}
