package linking

import (
	"github.com/cognitobridge/cognitobridge/lambdas/contract"
	"github.com/cognitobridge/cognitobridge/lambdas/internal/e164"
)

// emailOf returns the provider's verified email to look up ("" and the
// reason when there is none). A linkable provider maps its email into
// custom:idp_email (what the pool trusts stays the account's own): read it
// there when the provider maps no email.
func emailOf(attrs map[string]string) (string, Reason) {
	emailAttr, verifiedAttr := "email", "email_verified"
	if _, std := attrs["email"]; !std {
		if _, idp := attrs[contract.AttrIdPEmail]; idp {
			emailAttr, verifiedAttr = contract.AttrIdPEmail, contract.AttrIdPEmailVerified
		}
	}
	if attrs[verifiedAttr] != "true" {
		return "", ReasonEmailNotVerified
	}
	email, present := attrs[emailAttr]
	if !present || !ValidEmail(email) {
		return "", ReasonEmailInvalid
	}
	return email, ""
}

// contactsOf returns the event's verified email and E.164 phone ("" for
// either that is absent or unusable); reason, when neither is usable, is
// the email's, or the phone's when the event carries no email at all.
func contactsOf(attrs map[string]string) (email, phone string, reason Reason) {
	email, emailReason := emailOf(attrs)
	phone, phoneReason := phoneOf(attrs)
	if email == "" && phone == "" {
		reason = emailReason
		if !hasEmail(attrs) && phoneReason != "" {
			reason = phoneReason
		}
		return "", "", reason
	}
	return email, phone, ""
}

// hasEmail reports whether the event carries an email attribute at all.
func hasEmail(attrs map[string]string) bool {
	_, std := attrs["email"]
	_, idp := attrs[contract.AttrIdPEmail]
	return std || idp
}

// phoneOf returns the provider's verified phone number in E.164 ("" and
// the reason when there is none; "" and "" when the event has no phone).
// Like the email: phone_number, else a linkable provider's
// custom:idp_phone, each with its own verified flag, exactly "true".
func phoneOf(attrs map[string]string) (string, Reason) {
	phoneAttr, verifiedAttr := "phone_number", "phone_number_verified"
	if _, std := attrs[phoneAttr]; !std {
		if _, idp := attrs[contract.AttrIdPPhone]; !idp {
			return "", ""
		}
		phoneAttr, verifiedAttr = contract.AttrIdPPhone, contract.AttrIdPPhoneVerified
	}
	if attrs[verifiedAttr] != "true" {
		return "", ReasonPhoneNotVerified
	}
	phone, ok := e164.Normalize(attrs[phoneAttr])
	if !ok {
		return "", ReasonPhoneInvalid
	}
	return phone, ""
}
