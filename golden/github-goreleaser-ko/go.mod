module github.com/acme/oddjob

go 1.26
