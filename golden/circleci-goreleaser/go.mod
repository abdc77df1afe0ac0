module github.com/launchdarkly/billing

go 1.26
