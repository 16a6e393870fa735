<?php
/*
 * The hosted IdP. test/e2e/idp.ts writes a key pair made for the run to IDP_STATE_DIR (the certdir,
 * so the relative names below resolve there).
 */
$metadata[(string) getenv('IDP_BASE_URL') . 'saml2/idp/metadata.php'] = [
    'host' => '__DEFAULT__',
    'privatekey' => 'idp.key',
    'certificate' => 'idp.crt',
    'auth' => 'example-userpass',

    'NameIDFormat' => 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    'simplesaml.nameidattribute' => 'email',
    'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',

    'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    // SimpleSAMLphp's defaults, stated; each SP below may turn either off.
    'saml20.sign.assertion' => true,
    'saml20.sign.response' => true,
    'assertion.lifetime' => 300,
    // Single Logout: its metadata offers both bindings (SimpleSAMLphp's default is Redirect only).
    'SingleLogoutServiceBinding' => [
        'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
        'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
    ],
];
