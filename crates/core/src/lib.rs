//! The generate-and-keep workflow shared by the CLI and the app. (In progress.)
