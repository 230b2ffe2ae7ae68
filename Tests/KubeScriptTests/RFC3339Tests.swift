import KubeAPI
import XCTest

/// Timestamps as the API writes them, and read as Go's `time.Parse(time.RFC3339, ...)` reads
/// them: fractions, offsets, and what is refused.
final class RFC3339Tests: XCTestCase {
    let instant: Int64 = 1_795_414_727  // 2026-11-23T06:18:47Z

    func testWriting() {
        XCTAssertEqual(RFC3339.string(seconds: instant), "2026-11-23T06:18:47Z")
        XCTAssertEqual(RFC3339.string(seconds: instant, micros: 42), "2026-11-23T06:18:47.000042Z")
    }

    func testReading() {
        func parsed(_ text: String) -> [Int64]? { RFC3339.parse(text).map { [$0.seconds, $0.nanos] } }
        XCTAssertEqual(parsed("2026-11-23T06:18:47Z"), [instant, 0])
        XCTAssertEqual(parsed("2026-11-23T06:18:47.000042Z"), [instant, 42_000])
        XCTAssertEqual(parsed("2026-11-23T06:18:47.5Z"), [instant, 500_000_000])
        XCTAssertEqual(parsed("2026-11-23T06:18:47.1234567891Z"), [instant, 123_456_789], "past nine digits, cut")
        XCTAssertEqual(parsed("2026-11-23T07:18:47+01:00"), [instant, 0])
        XCTAssertEqual(parsed("2026-11-23T03:48:47.25-02:30"), [instant, 250_000_000])
        for text in ["", "2026-11-23T06:18:47", "2026-11-23 06:18:47Z", "2026-11-23t06:18:47Z", "2026-13-23T06:18:47Z",
                     "2026-11-23T24:18:47Z", "2026-11-23T06:18:47.Z", "2026-11-23T06:18:47Zjunk", "2026-11-23T06:18:47+0100",
                     "2026-11-23T06:18:4Z", "２026-11-23T06:18:47Z"] {
            XCTAssertNil(RFC3339.parse(text), text)
        }
    }

    func testRoundTrip() {
        for seconds: Int64 in [0, 951_782_400 /* 2000-02-29 */, instant, 4_102_444_799 /* 2099-12-31T23:59:59Z */] {
            XCTAssertEqual(RFC3339.parse(RFC3339.string(seconds: seconds))?.seconds, seconds)
        }
    }
}
