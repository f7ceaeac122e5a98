import Testing

@Test func placeholder_TasksTests() { #expect(Bool(true)) }
