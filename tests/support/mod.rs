//! Test doubles of the services a call streams to: a websocket server
//! (listen) and a custom-speech recognizer (transcribe).
#![allow(dead_code)]

pub mod recognizer;
pub mod ws_server;
