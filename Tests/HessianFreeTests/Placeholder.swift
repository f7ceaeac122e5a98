import Testing

@Test func placeholder_HessianFreeTests() { #expect(Bool(true)) }
