//! Files only their owner can open: exports hold secret keys, and they may be written to any folder.
//!
//! On Unix the store creates its files with mode 0600 (see `atomic`). Windows has no mode bits: a new
//! file inherits its folder's ACL, so an export written to a shared or public folder would be readable by
//! everyone who can read that folder. There the store gives each new file an explicit, protected ACL (not
//! inherited) that allows only the current user, before any byte is written.

use std::fs::File;
use std::io;
use std::path::Path;

/// Limits an open, still empty file to the current user (Windows; Unix files are created 0600).
pub(crate) fn restrict_to_owner(file: &File) -> io::Result<()> {
    #[cfg(windows)]
    return windows::restrict_to_owner(file);
    #[cfg(not(windows))]
    {
        let _ = file;
        Ok(())
    }
}

/// True when nobody but the file's owner (Unix) or the current user (Windows) has any access to `path`.
pub fn is_private(path: &Path) -> io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Ok(std::fs::metadata(path)?.permissions().mode() & 0o077 == 0)
    }
    #[cfg(windows)]
    return windows::is_private(path);
    #[cfg(not(any(unix, windows)))]
    {
        let _ = path;
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
}

#[cfg(windows)]
mod windows {
    use std::ffi::c_void;
    use std::fs::{File, OpenOptions};
    use std::io;
    use std::os::windows::fs::OpenOptionsExt;
    use std::os::windows::io::AsRawHandle;
    use std::path::Path;
    use std::ptr::null_mut;
    use windows_sys::Win32::Foundation::{CloseHandle, LocalFree, ERROR_SUCCESS, HANDLE};
    use windows_sys::Win32::Security::Authorization::{
        GetSecurityInfo, SetSecurityInfo, SE_FILE_OBJECT,
    };
    use windows_sys::Win32::Security::{
        AclSizeInformation, AddAccessAllowedAce, EqualSid, GetAce, GetAclInformation, GetLengthSid,
        GetSecurityDescriptorControl, GetTokenInformation, InitializeAcl, TokenUser,
        ACCESS_ALLOWED_ACE, ACL, ACL_REVISION, ACL_SIZE_INFORMATION, DACL_SECURITY_INFORMATION,
        PROTECTED_DACL_SECURITY_INFORMATION, SE_DACL_PROTECTED, TOKEN_QUERY, TOKEN_USER,
    };
    use windows_sys::Win32::Storage::FileSystem::{FILE_ALL_ACCESS, READ_CONTROL};
    use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

    /// `ACCESS_ALLOWED_ACE_TYPE` in the ACE header.
    const ACCESS_ALLOWED: u8 = 0;

    /// The current user's `TOKEN_USER`, whose SID points into the same buffer.
    struct CurrentUser {
        buffer: Vec<u64>,
    }

    impl CurrentUser {
        fn get() -> io::Result<Self> {
            let mut token: HANDLE = null_mut();
            // SAFETY: a pseudo handle for this process and an out pointer to a local.
            if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } == 0 {
                return Err(io::Error::last_os_error());
            }
            let mut len = 0u32;
            // SAFETY: a size query with no buffer; fails with ERROR_INSUFFICIENT_BUFFER and sets len.
            unsafe { GetTokenInformation(token, TokenUser, null_mut(), 0, &mut len) };
            // u64 elements keep the SID inside suitably aligned.
            let mut buffer = vec![0u64; (len as usize).div_ceil(8).max(1)];
            // SAFETY: the buffer holds at least `len` bytes.
            let ok = unsafe {
                GetTokenInformation(token, TokenUser, buffer.as_mut_ptr().cast(), len, &mut len)
            };
            let error = io::Error::last_os_error();
            // SAFETY: the token was opened above and is closed once.
            unsafe { CloseHandle(token) };
            if ok == 0 {
                return Err(error);
            }
            Ok(Self { buffer })
        }

        fn sid(&self) -> *mut c_void {
            // SAFETY: the buffer was filled with a TOKEN_USER by GetTokenInformation.
            unsafe { (*(self.buffer.as_ptr() as *const TOKEN_USER)).User.Sid }
        }
    }

    pub(super) fn restrict_to_owner(file: &File) -> io::Result<()> {
        let user = CurrentUser::get()?;
        let sid = user.sid();
        // SAFETY: `sid` is a valid SID owned by `user`.
        let sid_len = unsafe { GetLengthSid(sid) } as usize;
        let size = std::mem::size_of::<ACL>() + std::mem::size_of::<ACCESS_ALLOWED_ACE>() + sid_len;
        let mut acl = vec![0u64; size.div_ceil(8)];
        let acl_ptr = acl.as_mut_ptr() as *mut ACL;
        // SAFETY: `acl` is zeroed, aligned and `size` bytes long; one ACE for `sid` fits in it.
        let built = unsafe {
            InitializeAcl(acl_ptr, size as u32, ACL_REVISION) != 0
                && AddAccessAllowedAce(acl_ptr, ACL_REVISION, FILE_ALL_ACCESS, sid) != 0
        };
        if !built {
            return Err(io::Error::last_os_error());
        }
        // Protected: the folder's inheritable entries (e.g. Everyone on a public folder) do not apply.
        // SAFETY: the handle is open with WRITE_DAC (see atomic::private_options) and the ACL is valid.
        let status = unsafe {
            SetSecurityInfo(
                file.as_raw_handle() as HANDLE,
                SE_FILE_OBJECT,
                DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                null_mut(),
                null_mut(),
                acl_ptr,
                null_mut(),
            )
        };
        if status != ERROR_SUCCESS {
            return Err(io::Error::from_raw_os_error(status as i32));
        }
        Ok(())
    }

    pub(super) fn is_private(path: &Path) -> io::Result<bool> {
        let file = OpenOptions::new().access_mode(READ_CONTROL).open(path)?;
        let user = CurrentUser::get()?;
        let mut dacl: *mut ACL = null_mut();
        let mut descriptor: *mut c_void = null_mut();
        // SAFETY: out pointers to locals; the descriptor is freed below with LocalFree.
        let status = unsafe {
            GetSecurityInfo(
                file.as_raw_handle() as HANDLE,
                SE_FILE_OBJECT,
                DACL_SECURITY_INFORMATION,
                null_mut(),
                null_mut(),
                &mut dacl,
                null_mut(),
                &mut descriptor,
            )
        };
        if status != ERROR_SUCCESS {
            return Err(io::Error::from_raw_os_error(status as i32));
        }
        // SAFETY: `descriptor` and `dacl` (which points into it) stay valid until LocalFree.
        let private = unsafe { only_user_allowed(descriptor, dacl, user.sid()) };
        // SAFETY: allocated by GetSecurityInfo, freed once.
        unsafe { LocalFree(descriptor) };
        Ok(private)
    }

    /// A protected DACL whose only entry allows `sid`. A null DACL would allow everyone.
    unsafe fn only_user_allowed(descriptor: *mut c_void, dacl: *mut ACL, sid: *mut c_void) -> bool {
        if dacl.is_null() {
            return false;
        }
        let (mut control, mut revision) = (0u16, 0u32);
        if GetSecurityDescriptorControl(descriptor, &mut control, &mut revision) == 0
            || control & SE_DACL_PROTECTED == 0
        {
            return false;
        }
        let mut info: ACL_SIZE_INFORMATION = std::mem::zeroed();
        if GetAclInformation(
            dacl,
            (&mut info as *mut ACL_SIZE_INFORMATION).cast(),
            std::mem::size_of::<ACL_SIZE_INFORMATION>() as u32,
            AclSizeInformation,
        ) == 0
            || info.AceCount != 1
        {
            return false;
        }
        let mut ace: *mut c_void = null_mut();
        if GetAce(dacl, 0, &mut ace) == 0 {
            return false;
        }
        let ace = ace as *const ACCESS_ALLOWED_ACE;
        (*ace).Header.AceType == ACCESS_ALLOWED
            && EqualSid((&(*ace).SidStart as *const u32).cast_mut().cast(), sid) != 0
    }
}
