import Foundation

/// An axis range with its ticks; `fraction` maps a value to 0…1 along the axis.
struct Axis {
    struct Tick {
        var value: Double
        var label: String
    }

    var lower: Double
    var upper: Double
    var isLog: Bool
    var ticks: [Tick]
    var minorTicks: [Double] = []

    func fraction(_ v: Double) -> Double {
        // A value beyond the axis (only those beyond `largestMagnitude` are) is drawn at its end.
        let v = min(max(v, lower), upper)
        if isLog { return (log10(v) - log10(lower)) / (log10(upper) - log10(lower)) }
        return (v - lower) / (upper - lower)
    }

    /// The largest magnitude an axis spans: the finite values beyond it (only a damaged file holds
    /// them) are drawn at it, so that no range or step overflows to infinity.
    static let largestMagnitude = 1e300

    /// The finite values, within ±`largestMagnitude`.
    static func plottable(_ values: [Double]) -> [Double] {
        values.filter(\.isFinite).map { min(max($0, -largestMagnitude), largestMagnitude) }
    }

    /// About five "nice" ticks (1, 2 or 5 × 10^k apart) spanning the values, extended to whole ticks.
    static func linear(values: [Double], includeZero: Bool, integer: Bool) -> Axis {
        let values = plottable(values)
        var low = values.min() ?? 0, high = values.max() ?? 1
        if includeZero { low = min(low, 0); high = max(high, 0) }
        // A span too small for its own rounding (5e-324 between two values) is drawn as no span.
        if !(high - low > max(abs(low), abs(high)) * 1e-12 + 1e-300) {
            let pad = abs(low) * 0.1 > 1e-300 ? abs(low) * 0.1 : 1
            (low, high) = (low - (includeZero && low >= 0 ? 0 : pad), high + pad)
        }
        let raw = (high - low) / 5
        let magnitude = pow(10, floor(log10(raw)))
        let residual = raw / magnitude
        var step = (residual < 1.5 ? 1 : residual < 3 ? 2 : residual < 7 ? 5 : 10) * magnitude
        if integer { step = max(step, 1) }
        let first = floor(low / step + 1e-9)
        var last = ceil(high / step - 1e-9)
        // A curve at the top value (a test error of 100 %) would run along the frame: one step of headroom.
        if high > low, abs(high - last * step) < step * 1e-9 { last += 1 }
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
        let ticks = stride(from: first, through: last, by: 1).map { k -> Tick in
            let value = k * step
            return Tick(value: value, label: String(format: "%.\(decimals)f", abs(value) < step / 2 ? 0 : value))
        }
        return Axis(lower: first * step, upper: last * step, isLog: false, ticks: ticks)
    }

    /// Decades covering the (positive) values; labels 10^k, minor ticks at 2…9 × 10^k when few decades.
    static func logarithmic(values: [Double]) -> Axis {
        // Positive values whose decades (10^k) are normal numbers: 5e-324 gave 10^-324 = 0.
        let values = plottable(values).filter { $0 > 0 }.map { min(max($0, 1 / largestMagnitude), largestMagnitude) }
        guard let low = values.min(), let high = values.max() else {
            return Axis(lower: 0.1, upper: 1, isLog: true, ticks: [decadeTick(-1), decadeTick(0)])
        }
        let first = Int(floor(log10(low))), last = max(Int(ceil(log10(high))), first + 1)
        let decades = last - first
        let every = max(1, (decades + 5) / 6)
        let ticks = stride(from: first, through: last, by: every).map(decadeTick)
        var minor: [Double] = []
        if decades <= 4 {
            for k in first..<last {
                for m in 2...9 { minor.append(Double(m) * pow(10, Double(k))) }
            }
        }
        return Axis(lower: pow(10, Double(first)), upper: pow(10, Double(last)), isLog: true, ticks: ticks,
                    minorTicks: minor)
    }

    static func decadeTick(_ k: Int) -> Tick {
        let label: String
        switch k {
        case 0: label = "1"
        case 1: label = "10"
        default: label = "10<tspan dy=\"-5\" font-size=\"9\">\(k)</tspan>"
        }
        return Tick(value: pow(10, Double(k)), label: label)
    }
}

/// Wall-time axis unit: seconds, minutes or hours, whichever keeps the numbers readable.
package struct TimeUnit {
    package let name: String
    package let seconds: Double
    package init(maxSeconds: Double) {
        if maxSeconds >= 2 * 3600 {
            (name, seconds) = ("h", 3600)
        } else if maxSeconds >= 120 {
            (name, seconds) = ("min", 60)
        } else {
            (name, seconds) = ("s", 1)
        }
    }
}
