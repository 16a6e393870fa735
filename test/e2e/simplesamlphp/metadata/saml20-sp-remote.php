<?php
/*
 * The SPs under test, configured by hand (the others come from their metadata XML; see
 * ../config.php). test/e2e/idp.ts writes them to IDP_STATE_DIR/sps.json, read on every request,
 * so SPs can be added while the IdP runs. Each entry:
 *
 *   entityId, acsUrl                  the SP's entity ID and its HTTP-POST ACS URL
 *   certificate                       optional PEM: the key the SP signs its AuthnRequests with
 *   signResponse, signAssertion       what this IdP signs (default both)
 *   requireSignedAuthnRequests        refuse AuthnRequests not signed with `certificate` (default no)
 *   encryptAssertion                  encrypt the assertion to `certificate` (SSP 1.19: aes128-cbc,
 *                                     rsa-oaep-mgf1p; default no)
 *   authnContextClassRef              the AuthnContextClassRef to assert (saml:AuthnContextClassRef
 *                                     filter); '' asserts an AuthnContext without one
 *   addAttributes                     attributes added to every login (core:AttributeAdd filter)
 *   sloUrl, sloBinding                the SP's SingleLogoutService and its one binding ('redirect' or
 *                                     'post'): SimpleSAMLphp then signs its logout messages to the SP
 *                                     (sign.logout) and requires the SP's signed with `certificate`
 *                                     (validate.logout)
 */
$file = rtrim((string) getenv('IDP_STATE_DIR'), '/') . '/sps.json';
$sps = is_file($file) ? json_decode((string) file_get_contents($file), true, 16, JSON_THROW_ON_ERROR) : [];

foreach ($sps as $sp) {
    $entry = [
        'AssertionConsumerService' => [
            [
                'Binding' => 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
                'Location' => $sp['acsUrl'],
                'index' => 0,
            ],
        ],
        'NameIDFormat' => 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
        'simplesaml.nameidattribute' => 'email',
        'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
        'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
        'saml20.sign.response' => $sp['signResponse'] ?? true,
        'saml20.sign.assertion' => $sp['signAssertion'] ?? true,
        'validate.authnrequest' => $sp['requireSignedAuthnRequests'] ?? false,
        'assertion.encryption' => $sp['encryptAssertion'] ?? false,
    ];
    if (isset($sp['certificate'])) {
        $entry['certData'] = preg_replace('/-----[^-]+-----|\s+/', '', $sp['certificate']);
    }
    $authproc = [];
    if (isset($sp['authnContextClassRef'])) {
        $authproc[90] = ['class' => 'saml:AuthnContextClassRef', 'AuthnContextClassRef' => $sp['authnContextClassRef']];
    }
    if (isset($sp['addAttributes'])) {
        $authproc[91] = array_merge(['class' => 'core:AttributeAdd'], $sp['addAttributes']);
    }
    if ($authproc !== []) {
        $entry['authproc'] = $authproc;
    }
    if (isset($sp['sloUrl'])) {
        $binding = ($sp['sloBinding'] ?? 'redirect') === 'post'
            ? 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST'
            : 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
        $entry['SingleLogoutService'] = [['Binding' => $binding, 'Location' => $sp['sloUrl']]];
        $entry['sign.logout'] = true;
        $entry['validate.logout'] = true;
    }
    $metadata[$sp['entityId']] = $entry;
}
