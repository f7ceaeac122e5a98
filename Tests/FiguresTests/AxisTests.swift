@testable import Figures
import Testing

/// Axes of values only a damaged file holds (found by random damage): ±1.7e306 made the range
/// infinite and its tick count trap, 5e-324 made a decade 0 and the ticks endless. Every axis must
/// come out finite, with a handful of ticks, whatever finite or non-finite values it is given.
@Suite struct AxisTests {
    static let awkward: [[Double]] = [
        [1.7e306, -1.7e306], [1.7e308, -1.7e308], [5e-324], [5e-324, 5e-324], [0, 5e-324], [1e-310, 2e-310],
        [.infinity, 1], [.nan], [], [-.infinity, .infinity], [1, 1 + 1e-15], [3, 3], [-2.5e-320, 2.5e-320],
    ]

    private func expectSane(_ axis: Axis, _ values: [Double]) {
        #expect(axis.lower.isFinite && axis.upper.isFinite && axis.lower < axis.upper, "\(values)")
        #expect((1...40).contains(axis.ticks.count), "\(values): \(axis.ticks.count) ticks")
        #expect(axis.ticks.allSatisfy { $0.value.isFinite }, "\(values)")
        for value in values where value.isFinite && (!axis.isLog || value > 0) {
            let fraction = axis.fraction(value)
            #expect(fraction.isFinite && (0...1).contains(fraction), "\(values): \(value) at \(fraction)")
        }
    }

    @Test(arguments: awkward)
    func linearAxesOfAnyValuesAreFinite(values: [Double]) {
        expectSane(Axis.linear(values: values, includeZero: false, integer: false), values)
        expectSane(Axis.linear(values: values, includeZero: true, integer: true), values)
    }

    @Test(arguments: awkward + [[5e-324, 10], [1e308], [1e-320, 1e300]])
    func logarithmicAxesOfAnyValuesAreFinite(values: [Double]) {
        expectSane(Axis.logarithmic(values: values.filter { $0 > 0 }), values)
    }

    /// Ordinary values keep their ticks.
    @Test func ordinaryValuesKeepTheirTicks() {
        #expect(Axis.linear(values: [0, 0.93], includeZero: true, integer: false).ticks.map(\.label)
                == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(Axis.logarithmic(values: [3, 700]).ticks.count == 4)
    }
}
