package linking_test

import "github.com/cognitobridge/cognitobridge/test/cognitofake"

var parseFilter = cognitofake.ParseFilter
