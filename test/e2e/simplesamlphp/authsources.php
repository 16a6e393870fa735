<?php
/*
 * The test users (exampleauth:UserPass, '<username>:<password>'), mirrored in test/e2e/idp.ts
 * (SIMPLESAMLPHP_USERS). Attribute names are plain (NameFormat basic); "email" is also the
 * emailAddress NameID (simplesaml.nameidattribute in metadata/saml20-idp-hosted.php).
 */
$config = [
    'admin' => ['core:AdminPassword'],

    'example-userpass' => [
        'exampleauth:UserPass',
        'alice@example.com:password' => [
            'email' => 'alice@example.com',
            'firstName' => 'Alice',
            'lastName' => 'Liddell',
            'groups' => ['admins', 'engineering'],
        ],
        'bob@example.com:password' => [
            'email' => 'bob@example.com',
            'firstName' => 'Bob',
            'lastName' => 'Builder',
            'groups' => ['engineering'],
        ],
    ],
];
