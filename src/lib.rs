//! dialbridge: a daemon beside FreeSWITCH that runs jambonz-style webhook
//! applications, centred on the `dial` verb.
