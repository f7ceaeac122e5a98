import Testing

@Test func placeholder_SequenceModelTests() { #expect(Bool(true)) }
