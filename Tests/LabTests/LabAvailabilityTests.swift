import Testing

/// Without this, a CI run whose lab failed to boot would pass by skipping every lab test.
@Test("the lab is up when CI requires it", .enabled(if: Lab.isRequired))
func labIsUpWhenRequired() {
    #expect(Lab.isUp, "CONVERGE_REQUIRE_LAB=1 but no lab hosts: run scripts/lab up")
    #expect(Set(Lab.hosts.map(\.release)).count >= 2, "the lab tests need hosts of at least two releases")
}
