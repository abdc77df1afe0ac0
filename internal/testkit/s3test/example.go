package s3test

// AWS's published examples, "Signature Calculations for the Authorization
// Header: Transferring Payload in a Single Chunk (AWS Signature Version 4)",
// which the tests check every signer against: the server's own test signer
// and upload.sh's.
const (
	ExampleAccessKey          = "AKIAIOSFODNN7EXAMPLE"
	ExampleSecret             = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	ExampleDate               = "20130524T000000Z"
	ExampleScope              = "20130524/us-east-1/s3/aws4_request"
	ExampleHost               = "examplebucket.s3.amazonaws.com"
	EmptySHA256               = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	ExamplePutBody            = "Welcome to Amazon S3."
	ExamplePutSHA256          = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
	ExampleGetSignature       = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
	ExamplePutSignature       = "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
	ExampleGetCanonicalSHA256 = "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
)
