/// HDF5's checksum of file-format metadata (superblock versions 2 and 3, version-2 object headers,
/// chunk indexes, ...): Bob Jenkins' public-domain "lookup3" hash of the bytes (`hashlittle`,
/// initial value 0), read as little-endian 32-bit words.
enum MetadataChecksum {
    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var a = 0xDEAD_BEEF &+ UInt32(truncatingIfNeeded: bytes.count)
        var b = a, c = a
        func word(_ offset: Int) -> UInt32 {
            (0..<4).reduce(UInt32(0)) { value, k in
                let index = bytes.startIndex + offset + k
                return index < bytes.endIndex ? value | UInt32(bytes[index]) << (8 * UInt32(k)) : value
            }
        }
        func rotate(_ x: UInt32, _ k: UInt32) -> UInt32 { (x << k) | (x >> (32 - k)) }
        var offset = 0
        var remaining = bytes.count
        while remaining > 12 {
            a = a &+ word(offset); b = b &+ word(offset + 4); c = c &+ word(offset + 8)
            a = a &- c; a ^= rotate(c, 4); c = c &+ b
            b = b &- a; b ^= rotate(a, 6); a = a &+ c
            c = c &- b; c ^= rotate(b, 8); b = b &+ a
            a = a &- c; a ^= rotate(c, 16); c = c &+ b
            b = b &- a; b ^= rotate(a, 19); a = a &+ c
            c = c &- b; c ^= rotate(b, 4); b = b &+ a
            offset += 12
            remaining -= 12
        }
        guard remaining > 0 else { return c }
        // The last 1...12 bytes, zero-padded (`word` reads zeros past the end).
        a = a &+ word(offset); b = b &+ word(offset + 4); c = c &+ word(offset + 8)
        c ^= b; c = c &- rotate(b, 14)
        a ^= c; a = a &- rotate(c, 11)
        b ^= a; b = b &- rotate(a, 25)
        c ^= b; c = c &- rotate(b, 16)
        a ^= c; a = a &- rotate(c, 4)
        b ^= a; b = b &- rotate(a, 14)
        c ^= b; c = c &- rotate(b, 24)
        return c
    }
}
