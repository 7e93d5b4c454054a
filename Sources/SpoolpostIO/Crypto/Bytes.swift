/// Runs `body` over the bytes of `bytes` as one contiguous buffer, copying only when the collection is not contiguous.
///
/// The buffer's base address is never nil, even when empty, because some OpenSSL entry points reject a NULL pointer
/// with a zero length.
func withContiguousBytes<R>(_ bytes: some Collection<UInt8>, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    if let result = bytes.withContiguousStorageIfAvailable({ buffer in
        withNonNilBase(UnsafeRawBufferPointer(buffer), body)
    }) {
        return result
    }
    return Array(bytes).withUnsafeBytes { withNonNilBase($0, body) }
}

private let emptyByte: [UInt8] = [0]

private func withNonNilBase<R>(_ buffer: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    if buffer.baseAddress != nil {
        return body(buffer)
    }
    return emptyByte.withUnsafeBytes { placeholder in
        body(UnsafeRawBufferPointer(rebasing: placeholder[0..<0]))
    }
}
