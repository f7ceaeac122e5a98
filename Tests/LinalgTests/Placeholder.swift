import Testing

@Test func placeholder_LinalgTests() { #expect(Bool(true)) }
