//! The Gasworks contract SDK's macros; use them through `gasworks_sdk`.
//!
//! - `#[contract]` on an inherent `impl` block: its `pub fn`s are the
//!   contract's methods, dispatched by the generated `execute` export.
//! - `#[derive(Event)]`: an `Event` impl from a struct's fields.

#![forbid(unsafe_code)]

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    Data, DeriveInput, Fields, FnArg, ImplItem, ItemImpl, Pat, Type, Visibility, parse_macro_input,
};

/// Declares a contract's methods: every `pub fn` of the `impl` block (an
/// associated function, without `self`) is a method, called by its name
/// with borsh-encoded arguments; other functions are private helpers.
///
/// The macro keeps the block as it is and adds, on wasm32, the export
/// `execute` that reads the input (borsh of the method name, then the
/// arguments in order), decodes each argument by value, calls the method
/// and sets the borsh encoding of its result as the return data. A method
/// whose return type is a `Result<T, E>` (with `E: Debug`; however it is
/// spelled: an alias, a full path, a re-export) returns
/// `T` on `Ok` and fails the call on `Err`, with the message
/// ``method `name` returned Err(<E's Debug>)``. An unknown method,
/// arguments that do not decode, or input left after them fail the call
/// with a message saying which.
///
/// One `#[contract]` block per contract crate (it defines the export).
#[proc_macro_attribute]
pub fn contract(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        return syn::Error::new(
            TokenStream2::from(attr).span(),
            "#[contract] takes no arguments",
        )
        .to_compile_error()
        .into();
    }
    let block = parse_macro_input!(item as ItemImpl);
    match expand_contract(&block) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

fn expand_contract(block: &ItemImpl) -> syn::Result<TokenStream2> {
    if let Some((_, path, _)) = &block.trait_ {
        return Err(syn::Error::new(
            path.span(),
            "#[contract] goes on an inherent impl block (`impl MyContract { .. }`)",
        ));
    }
    if !block.generics.params.is_empty() {
        return Err(syn::Error::new(
            block.generics.span(),
            "a contract type cannot be generic",
        ));
    }
    let self_ty = &block.self_ty;
    let mut arms = Vec::new();
    for item in &block.items {
        let ImplItem::Fn(function) = item else {
            continue;
        };
        if !matches!(function.vis, Visibility::Public(_)) {
            continue;
        }
        let sig = &function.sig;
        let name = &sig.ident;
        let method = name.to_string();
        // A method compiled out (`#[cfg(feature = "admin")]`) must take its
        // dispatch arm with it: the arm carries the method's `cfg`s.
        let cfgs: Vec<_> = function
            .attrs
            .iter()
            .filter(|attr| attr.path().is_ident("cfg"))
            .collect();
        if let Some(receiver) = sig.receiver() {
            return Err(syn::Error::new(
                receiver.span(),
                "contract methods take no `self`: state lives in storage \
                 (gasworks_sdk::storage)",
            ));
        }
        if !sig.generics.params.is_empty() {
            return Err(syn::Error::new(
                sig.generics.span(),
                "contract methods cannot be generic",
            ));
        }
        if let Some(token) = &sig.asyncness {
            return Err(syn::Error::new(
                token.span(),
                "contract methods cannot be async",
            ));
        }
        let mut decode = Vec::new();
        let mut args = Vec::new();
        for (index, input) in sig.inputs.iter().enumerate() {
            let FnArg::Typed(typed) = input else {
                continue;
            };
            if let Type::Reference(reference) = &*typed.ty {
                return Err(syn::Error::new(
                    reference.span(),
                    "arguments are decoded by value: take `String`, `Vec<u8>`, .. \
                     rather than a reference",
                ));
            }
            let arg_name = match &*typed.pat {
                Pat::Ident(ident) => ident.ident.to_string(),
                _ => format!("#{index}"),
            };
            let local = format_ident!("__gasworks_arg{}", index);
            let ty = &typed.ty;
            decode.push(quote_spanned! {typed.span()=>
                let #local: #ty = ::gasworks_sdk::__private::arg(
                    &mut __gasworks_input, #method, #arg_name,
                );
            });
            args.push(local);
        }
        let call = quote! { <#self_ty>::#name(#(#args),*) };
        // Whether the method is fallible is decided by its return type,
        // not by how the type is spelled: see `__private::Returned`.
        let finish = quote! {
            #[allow(unused_imports)]
            use ::gasworks_sdk::__private::{FinishFallible as _, FinishInfallible as _};
            ::gasworks_sdk::__private::Returned(#call).finish(#method);
        };
        arms.push(quote! {
            #(#cfgs)*
            #method => {
                #(#decode)*
                ::gasworks_sdk::__private::end_of_arguments(__gasworks_input, #method);
                #finish
            }
        });
    }
    if arms.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "a contract needs at least one `pub fn` method",
        ));
    }
    Ok(quote! {
        #block

        /// The contract's entry point (generated by `#[contract]`): reads
        /// `(method name, arguments)` and runs the method.
        #[cfg(target_arch = "wasm32")]
        #[unsafe(no_mangle)]
        pub extern "C" fn execute() {
            let __gasworks_bytes = ::gasworks_sdk::__private::input();
            let mut __gasworks_input: &[u8] = &__gasworks_bytes;
            match ::gasworks_sdk::__private::method(&mut __gasworks_input) {
                #(#arms)*
                other => ::gasworks_sdk::__private::unknown_method(other),
            }
        }
    })
}

/// Implements `gasworks_sdk::events::Event` for a struct: the name (first
/// topic) is the struct's name, or `#[event(name = "...")]`; each field
/// marked `#[topic]` (at most three) is a further topic, its borsh
/// encoding; the data is the borsh encoding of the other fields in order.
#[proc_macro_derive(Event, attributes(topic, event))]
pub fn derive_event(item: TokenStream) -> TokenStream {
    let input = parse_macro_input!(item as DeriveInput);
    match expand_event(&input) {
        Ok(tokens) => tokens.into(),
        Err(error) => error.to_compile_error().into(),
    }
}

fn expand_event(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            input.span(),
            "#[derive(Event)] is for structs (one struct per event)",
        ));
    };
    let mut name = input.ident.to_string();
    for attr in &input.attrs {
        if attr.path().is_ident("event") {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("name") {
                    let value: syn::LitStr = meta.value()?.parse()?;
                    name = value.value();
                    Ok(())
                } else {
                    Err(meta.error("expected `name = \"...\"`"))
                }
            })?;
        }
    }
    if name.is_empty() || name.len() > 64 {
        return Err(syn::Error::new(
            input.ident.span(),
            "an event name is 1 to 64 bytes (it is a topic)",
        ));
    }
    let fields: Vec<(TokenStream2, bool, Span)> = match &data.fields {
        Fields::Named(named) => named
            .named
            .iter()
            .map(|f| {
                let ident = f.ident.as_ref().map(|i| quote!(#i)).unwrap_or_default();
                (ident, is_topic(f), f.span())
            })
            .collect(),
        Fields::Unnamed(unnamed) => unnamed
            .unnamed
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let index = syn::Index::from(i);
                (quote!(#index), is_topic(f), f.span())
            })
            .collect(),
        Fields::Unit => Vec::new(),
    };
    let topics: Vec<&TokenStream2> = fields.iter().filter(|f| f.1).map(|f| &f.0).collect();
    if topics.len() > 3 {
        let span = fields
            .iter()
            .filter(|f| f.1)
            .nth(3)
            .map_or(input.span(), |f| f.2);
        return Err(syn::Error::new(
            span,
            "at most three #[topic] fields (the host allows four topics, the first is the name)",
        ));
    }
    let data_fields: Vec<&TokenStream2> = fields.iter().filter(|f| !f.1).map(|f| &f.0).collect();
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics ::gasworks_sdk::events::Event for #ident #ty_generics #where_clause {
            const NAME: &'static str = #name;

            fn topics(
                &self,
                topics: &mut ::gasworks_sdk::__private::Vec<::gasworks_sdk::__private::Vec<u8>>,
            ) {
                #(
                    let mut topic = ::gasworks_sdk::__private::Vec::new();
                    let _ = ::gasworks_sdk::borsh::BorshSerialize::serialize(&self.#topics, &mut topic);
                    topics.push(topic);
                )*
            }

            fn data(&self) -> ::gasworks_sdk::__private::Vec<u8> {
                let mut data = ::gasworks_sdk::__private::Vec::new();
                #(
                    let _ = ::gasworks_sdk::borsh::BorshSerialize::serialize(&self.#data_fields, &mut data);
                )*
                data
            }
        }
    })
}

fn is_topic(field: &syn::Field) -> bool {
    field.attrs.iter().any(|a| a.path().is_ident("topic"))
}
