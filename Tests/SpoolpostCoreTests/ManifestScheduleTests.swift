import Foundation
import SpoolpostCore
import Testing

@Suite struct ManifestScheduleTests {
    private func read(
        _ schedule: String, timezone: String? = nil, _ context: ManifestReader.Context = ManifestFixture.context()
    ) -> ManifestReadResult {
        ManifestFixture.read("""
            text: hi
            targets: [webhook]
            schedule_at: \(schedule)
            \(timezone.map { "timezone: \($0)" } ?? "")
            """, context)
    }

    @Test func noScheduleMeansNow() throws {
        let manifest = try #require(ManifestFixture.read("""
            text: hi
            targets: [webhook]
            schedule_at:
            """).manifest)
        #expect(manifest.scheduleAt == nil)
    }

    @Test func localTimeUsesTheManifestZoneThenTheConfigZone() throws {
        let own = try #require(read("2026-12-01 09:00", timezone: "America/New_York").manifest)
        #expect(own.scheduleAt.map(RFC3339.format) == "2026-12-01T14:00:00.000Z")
        let configured = ManifestFixture.context(defaultTimeZone: "Europe/Paris")
        let fromConfig = try #require(read("2026-12-01T09:00:00", configured).manifest)
        #expect(fromConfig.scheduleAt.map(RFC3339.format) == "2026-12-01T08:00:00.000Z")
        let both = try #require(read("2026-12-01T09:00:00", timezone: "UTC", configured).manifest)
        #expect(both.scheduleAt.map(RFC3339.format) == "2026-12-01T09:00:00.000Z")
    }

    @Test func silentUTCIsRefused() throws {
        let result = read("2026-12-01T09:00:00")
        let error = try #require(result.errors.first)
        #expect(result.errors.count == 1)
        #expect(error.description.hasPrefix("launch.yaml:3:14: schedule_at: '2026-12-01T09:00:00' has no UTC offset"))
        #expect(error.message.contains("not silently taken as UTC"))
        #expect(error.message.contains("add an offset"))
        #expect(error.message.contains("`timezone:`"))
    }

    @Test func unparseableTimeAndUnknownZone() {
        #expect(read("soon").errors.map(\.description) == [
            "launch.yaml:3:14: schedule_at: 'soon' is not a date-time: write RFC 3339 with an offset "
                + "(2026-12-01T09:00:00+01:00, 2026-12-01T08:00:00Z) or a local time (2026-12-01T09:00:00, "
                + "2026-12-01 09:00) with a time zone",
        ])
        // The bad zone is reported once, at the zone.
        #expect(read("2026-12-01T09:00:00", timezone: "Europe/Pari").errors.map(\.description) == [
            "launch.yaml:4:11: timezone: unknown time zone 'Europe/Pari': use an IANA name such as Europe/Paris, "
                + "America/New_York or UTC",
        ])
        // An explicit offset is still checked when the zone is bad.
        #expect(read("2026-12-01T09:00:00+01:00", timezone: "Europe/Pari").errors.count == 1)
        #expect(read("[2026]").errors.map(\.description) == [
            "launch.yaml:3:14: schedule_at: expected a date-time such as 2026-12-01T09:00:00+01:00, found a list",
        ])
    }

    @Test func daylightSavingGapIsAnError() {
        #expect(read("2027-03-28T02:30:00", timezone: "Europe/Paris").errors.map(\.description) == [
            "launch.yaml:3:14: schedule_at: '2027-03-28T02:30:00' does not exist in Europe/Paris: the clocks skip "
                + "it for daylight saving time; pick a time outside the gap or give an explicit UTC offset",
        ])
    }

    @Test func tooFarAheadIsAnError() {
        #expect(read("2028-01-01T00:00:00Z").errors.map(\.description) == [
            "launch.yaml:3:14: schedule_at: 2028-01-01T00:00:00.000Z is 397 days ahead, beyond the limit of 365 days "
                + "(schedule.max_ahead in spoolpost.yaml): check the date, or raise max_ahead",
        ])
        let tight = ManifestFixture.context(schedule: SchedulePolicy(maxAhead: 3600))
        #expect(read("2026-11-29T13:00:00Z", tight).errors.isEmpty)
        #expect(read("2026-11-29T13:00:01Z", tight).errors.count == 1)
    }

    @Test func lateWithinGraceIsSilent() throws {
        let result = read("2026-11-29T11:55:00Z")
        #expect(result.diagnostics.isEmpty)
        #expect(result.manifest?.scheduleAt.map(RFC3339.format) == "2026-11-29T11:55:00.000Z")
    }

    @Test func lateBeyondGraceWarnsAndPublishesNow() throws {
        let result = read("2026-11-29T09:00:00+01:00")
        let manifest = try #require(result.manifest)
        #expect(manifest.scheduleAt.map(RFC3339.format) == "2026-11-29T08:00:00.000Z")
        #expect(result.errors.isEmpty)
        #expect(result.error == nil)
        #expect(result.warnings.map(\.description) == [
            "launch.yaml:3:14: warning: schedule_at: was due at 2026-11-29T08:00:00.000Z (4 hours ago), publishing now",
        ])
    }

    @Test func lateBeyondGraceIsAnErrorWhenRejectLateIsSet() {
        let context = ManifestFixture.context(schedule: SchedulePolicy(lateGrace: 60, rejectLate: true))
        let result = read("2026-11-29T11:58:00Z", context)
        #expect(result.manifest == nil)
        #expect(result.errors.map(\.description) == [
            "launch.yaml:3:14: schedule_at: was due at 2026-11-29T11:58:00.000Z (2 minutes ago), later than the "
                + "grace of 60 seconds, and schedule.reject_late is set: give a future time or remove schedule_at to "
                + "publish now",
        ])
    }
}
