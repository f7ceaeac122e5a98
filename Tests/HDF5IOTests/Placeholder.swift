import Testing

@Test func placeholder_HDF5IOTests() { #expect(Bool(true)) }
