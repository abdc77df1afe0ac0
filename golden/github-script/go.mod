module github.com/launchdarkly/oddjob

go 1.26
