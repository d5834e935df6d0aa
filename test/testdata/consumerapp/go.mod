// snippet:consumer-gomod
module example.com/shop

go 1.26.8

require github.com/cognitobridge/cognitobridge v0.0.0

// Not published yet: point at a checkout (a path relative to this go.mod,
// or absolute). Drop the replace and pin a tag once one is published.
replace github.com/cognitobridge/cognitobridge => ../cognitobridge
// end snippet
