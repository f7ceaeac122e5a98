import Foundation
import Linalg
import Testing

@Suite struct ElementwiseTests {
    @Test func floatTanhMatchesLibmToAFewUlps() {
        var values: [Float] = stride(from: -12.0, through: 12.0, by: 0.0137).map { Float($0) }
        values += [0, -0, 1e-8, -1e-8, 1e-4, 0.3465, 0.3466, 9, 9.5, 80, -80, .greatestFiniteMagnitude]
        var computed = values
        computed.withUnsafeMutableBufferPointer { Elementwise.tanh($0.baseAddress!, count: $0.count) }
        for (x, y) in zip(values, computed) {
            let exact = Foundation.tanh(Double(x))
            let tolerance = 4 * Double(Float.ulpOfOne) * max(abs(exact), Double(Float.leastNormalMagnitude))
            #expect(abs(Double(y) - exact) <= tolerance + 1e-9 * abs(exact), "tanh(\(x)) = \(y), expected \(exact)")
        }
    }

    @Test func doubleTanhIsLibm() {
        var values = [-3.0, -0.5, 0, 1e-9, 2.5]
        let expected = values.map { Foundation.tanh($0) }
        values.withUnsafeMutableBufferPointer { Elementwise.tanh($0.baseAddress!, count: $0.count) }
        #expect(values == expected)
    }
}
