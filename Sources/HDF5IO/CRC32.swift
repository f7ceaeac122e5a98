/// CRC-32 with the IEEE 802.3 polynomial (reflected, initial value and final XOR all ones): the
/// checksum of zlib, gzip and PNG, so Python's `zlib.crc32(data)` gives the same number. It detects
/// every single-bit error and every burst of up to 32 flipped bits.
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { (byte: UInt32) -> UInt32 in
        var value = byte
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    /// The checksum of `bytes`; pass an earlier result as `continuing` to checksum data in pieces
    /// (`checksum(b, continuing: checksum(a))` == `checksum(a + b)`).
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing previous: UInt32 = 0) -> UInt32 {
        var crc = ~previous
        table.withUnsafeBufferPointer { table in
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        return ~crc
    }

    public static func checksum(_ bytes: some Sequence<UInt8>, continuing previous: UInt32 = 0) -> UInt32 {
        let contiguous = Array(bytes)
        return contiguous.withUnsafeBytes { checksum($0, continuing: previous) }
    }
}
