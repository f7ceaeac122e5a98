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

/// The C kernels (portable, AVX2, AVX-512) compute exactly what the Swift SIMD definition computes, so
/// the choice of kernel never changes a run's numbers.
@Suite struct TanhKernelTests {
    private func values() -> [Float] {
        var generator = SeededGenerator(seed: 7)
        var values: [Float] = (0..<100_003).map { _ in Float.random(in: -12...12, using: &generator) }
        values += (0..<10_000).map { _ in Float.random(in: -1e-3...1e-3, using: &generator) }
        values += [0, -0, 1e-30, -1e-30, .leastNonzeroMagnitude, -.leastNormalMagnitude, 8.999, 9, 9.0001, 1e10,
                   -.greatestFiniteMagnitude, .infinity, -.infinity, 0.34657359, -0.34657359]
        return values
    }

    @Test func everyKernelMatchesTheSwiftDefinitionBitForBit() {
        let input = values()
        var expected = input
        expected.withUnsafeMutableBufferPointer { Elementwise.referenceTanh($0.baseAddress!, count: $0.count) }
        #expect(Elementwise.TanhKernel.available.first == .portable)
        for kernel in Elementwise.TanhKernel.available {
            // Odd counts exercise the tails of the vector loops.
            for count in [input.count, 37, 13, 7, 1] {
                var computed = Array(input.prefix(count))
                computed.withUnsafeMutableBufferPointer { Elementwise.tanh($0.baseAddress!, count: count, kernel: kernel) }
                let mismatches = zip(computed, expected.prefix(count)).filter { $0.bitPattern != $1.bitPattern }
                #expect(mismatches.isEmpty, "\(kernel), \(count) values: \(mismatches.prefix(3))")
            }
        }
        var nan: [Float] = [.nan, -.nan]
        nan.withUnsafeMutableBufferPointer { Elementwise.tanh($0.baseAddress!, count: 2) }
        #expect(nan.allSatisfy { $0.isNaN })
    }

    @Test func theDefaultIsTheFastestKernelTheCPUHas() {
        let input = values()
        var viaDefault = input, viaBest = input
        viaDefault.withUnsafeMutableBufferPointer { Elementwise.tanh($0.baseAddress!, count: $0.count) }
        viaBest.withUnsafeMutableBufferPointer {
            Elementwise.tanh($0.baseAddress!, count: $0.count, kernel: Elementwise.TanhKernel.available.last!)
        }
        #expect(zip(viaDefault, viaBest).allSatisfy { $0.bitPattern == $1.bitPattern })
        #if arch(x86_64)
        #expect(Elementwise.TanhKernel.available.contains(.avx2), "this project's machines have AVX2")
        #endif
    }
}
